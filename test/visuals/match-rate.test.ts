import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { fluentEmoji } from '../../src/adapters/illustrations/fluent-emoji.ts';
import { choiceScenes } from '../../src/pipeline/handlers/visual-choose.ts';
import { buildScript, parseArticle, understand } from '../../src/pipeline/text/index.ts';
import { foldEnglish } from '../../src/pipeline/text/fold.ts';
import { chooseVisuals } from '../../src/pipeline/visuals/choose.ts';

const ARTICLES = path.resolve('test/fixtures/articles/set');
const MIN_MATCH_SHARE = 0.9;

/** Whether a term is a word (English, folded) or a substring (Chinese) of the narration. */
function saidIn(term: string, text: string, language: string): boolean {
  if (language === 'zh') return text.includes(term);
  return ` ${foldEnglish(text)} `.includes(` ${foldEnglish(term)} `);
}

describe('visuals follow the narration, offline, on ten unrelated articles', () => {
  it(`matches at least ${MIN_MATCH_SHARE * 100} % of scenes to a word of their own narration, with no visual repeated in a video`, () => {
    const files = readdirSync(ARTICLES).filter((f) => f.endsWith('.md')).sort();
    expect(files).to.have.length(10);
    let scenes = 0;
    let matched = 0;
    for (const file of files) {
      const article = parseArticle(readFileSync(path.join(ARTICLES, file), 'utf8'));
      const script = buildScript(article, understand(article));
      const choices = chooseVisuals(choiceScenes(script), [], fluentEmoji());
      const shown = choices.flatMap((c) => (c.kind === 'illustration' ? [c.icon] : []));
      expect(new Set(shown).size, `${file}: an icon repeated in ${shown.join(', ')}`).to.equal(shown.length);
      for (const [i, choice] of choices.entries()) {
        scenes += 1;
        const text = script.scenes[i]!.text;
        if (choice.term !== null && saidIn(choice.term, text, script.language)) matched += 1;
        else console.log(`      ${file} scene ${i + 1}: ${choice.kind} for "${text.slice(0, 60)}"`);
      }
    }
    const share = matched / scenes;
    console.log(`      ${matched} of ${scenes} scenes (${(share * 100).toFixed(1)} %) show a visual matched to a word of their own narration`);
    expect(share).to.be.at.least(MIN_MATCH_SHARE);
  });
});
