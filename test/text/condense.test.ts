import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import { condenseToDuration, CORRECT_BEYOND, MAX_TEMPO_CHANGE, narrationSec, type NarrationTiming, tempoCorrection } from '../../src/pipeline/duration-fit.ts';
import { parseArticle } from '../../src/pipeline/text/article.ts';
import { estimateSpeechSec } from '../../src/pipeline/text/script.ts';
import { pointsBack, rankSentences, sentenceTerms } from '../../src/pipeline/text/sentence-rank.ts';
import { splitSourceSentences } from '../../src/pipeline/text/sentences.ts';

const pace = { wordsPerSec: 3, charsPerSec: 3 };
const timing: NarrationTiming = { secondsOf: (t) => estimateSpeechSec(t, pace), pauseSec: 0.25, sceneTailSec: 0.5, maxSceneSec: 8 };

function article(file: string) {
  const a = parseArticle(readFileSync(new URL(file, import.meta.url), 'utf8'), {});
  return { ...a, source: splitSourceSentences(a.body, a.language) };
}

describe('rankSentences (TextRank)', () => {
  it('ranks the sentence that shares the most with the others above one that shares nothing', () => {
    const scores = rankSentences([
      'Coffee trees grow on mountains.',
      'The mountains are cool and coffee trees like the cool air.',
      'Pickers carry coffee down the mountains.',
      'A cat sat quietly.',
    ], 'en');
    expect(scores).to.have.length(4);
    expect(scores.reduce((s, v) => s + v, 0)).to.be.closeTo(1, 1e-6);
    expect(Math.min(...scores)).to.equal(scores[3]);
    expect(scores[1]).to.be.greaterThan(scores[3]!);
  });

  it('matches English words by lemma ("trees" and "tree")', () => {
    expect([...sentenceTerms('The trees were growing.', 'en')]).to.include.members(['tree', 'grow']);
  });

  it('ranks Chinese sentences by shared character pairs', () => {
    const scores = rankSentences(['茶树生长在山坡上。', '山坡上的茶树需要雨水，茶农照顾茶树。', '茶农采摘茶叶。', '今天星期一。'], 'zh');
    expect(scores[1]).to.be.greaterThan(scores[3]!);
    expect([...sentenceTerms('山坡上的茶树', 'zh')]).to.include.members(['山坡', '茶树']);
  });

  it('weighs a sentence that points back at the one before less', () => {
    const plain = rankSentences(['Coffee grows on mountains.', 'Coffee grows in shade.', 'Farmers pick coffee on mountains.'], 'en');
    const back = rankSentences(['Coffee grows on mountains.', 'It grows coffee in shade.', 'Farmers pick coffee on mountains.'], 'en');
    expect(back[1]! / back[0]!).to.be.lessThan(plain[1]! / plain[0]!);
    expect(pointsBack('这片茶叶走过了很远的路。', 'zh')).to.equal(true);
    expect(pointsBack('“They said so.”', 'en')).to.equal(true);
    expect(pointsBack('Theyre is not a word.', 'en')).to.equal(false);
  });

  it('is deterministic', () => {
    const { source, language, title } = article('../../examples/long-article.md');
    const text = source.map((p) => p.join(' '));
    expect(rankSentences(text, language, title)).to.deep.equal(rankSentences(text, language, title));
  });
});

describe('condenseToDuration', () => {
  for (const [file, target] of [['../../examples/long-article.md', 45], ['../fixtures/articles/zh-long.md', 40]] as const) {
    it(`condenses ${file.split('/').at(-1)} to ${target} s: whole sentences, in order, the first kept, near the target`, () => {
      const { source, language, title } = article(file);
      const scores = rankSentences(source.map((p) => p.join('')), language, title);
      const fit = condenseToDuration(source, scores, target, timing);
      expect(fit.condensed).to.equal(true);
      expect(fit.kept[0]).to.equal(0);
      expect(fit.kept).to.deep.equal([...fit.kept].sort((a, b) => a - b));
      expect(new Set(fit.kept).size).to.equal(fit.kept.length);
      expect(fit.estimatedSec).to.equal(narrationSec(fit.kept.flatMap((i) => source[i]!.map(timing.secondsOf)), timing));
      expect(fit.estimatedSec).to.be.within(target * 0.9, target * (1 + CORRECT_BEYOND));
    });
  }

  it('leaves out lines marked ineligible (headings), even the first', () => {
    const { source, language, title } = article('../../examples/long-article.md');
    const isProse = (i: number) => /[.!?]$/.test(source[i]!.at(-1)!);
    const fit = condenseToDuration(source, rankSentences(source.map((p) => p.join(' ')), language, title), 30, timing, isProse);
    expect(fit.kept.every(isProse)).to.equal(true);
  });

  it('keeps the shortest sentence alone when not one fits the target', () => {
    const source = [['This first sentence is much too long to be said in the few seconds that the target allows for it.'], ['Short one.'], ['Another sentence that is rather long as well, too long.']];
    const fit = condenseToDuration(source, [0.2, 0.3, 0.5], 2, timing);
    expect(fit).to.deep.include({ kept: [1], condensed: true });
  });

  it('keeps a text that fits whole and does not pad it', () => {
    const source = [['One short sentence.'], ['And another one.']];
    const fit = condenseToDuration(source, [0.5, 0.5], 60, timing);
    expect(fit).to.deep.include({ kept: [0, 1], condensed: false });
    expect(fit.estimatedSec).to.be.lessThan(10);
  });

  it('on any text: sentences in order, none twice, the first kept when it fits, and no further over the target than one sentence', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 30 }), fc.integer({ min: 5, max: 60 }), (sizes, target) => {
      const source = sizes.map((n, i) => Array.from({ length: n }, (_v, k) => `sentence ${i} piece ${k} has some words here,`));
      const scores = sizes.map((_n, i) => ((i * 7919) % 13) / 13);
      const fit = condenseToDuration(source, scores, target, timing);
      const longest = Math.max(...source.map((pieces) => narrationSec(pieces.map(timing.secondsOf), timing)));
      expect(fit.kept).to.deep.equal([...new Set(fit.kept)].sort((a, b) => a - b));
      const lead = narrationSec(source[0]!.map(timing.secondsOf), timing);
      if (lead <= target) expect(fit.kept[0]).to.equal(0);
      expect(fit.kept.length).to.be.above(0);
      if (fit.condensed) expect(fit.estimatedSec).to.be.at.most(target + longest);
    }));
  });
});

describe('tempoCorrection', () => {
  it('leaves a narration within the margin alone', () => {
    expect(tempoCorrection(45 * (1 + CORRECT_BEYOND / 2), 45, true)).to.equal(1);
  });
  it('speeds up a long one and slows down a short condensed one, by at most the limit', () => {
    expect(tempoCorrection(48, 45, true)).to.be.closeTo(48 / 45, 1e-9);
    expect(tempoCorrection(60, 45, false)).to.equal(1 + MAX_TEMPO_CHANGE);
    expect(tempoCorrection(42, 45, true)).to.be.closeTo(42 / 45, 1e-9);
    expect(tempoCorrection(20, 45, true)).to.equal(1 - MAX_TEMPO_CHANGE);
  });
  it('never stretches a text that was not condensed', () => {
    expect(tempoCorrection(20, 45, false)).to.equal(1);
  });
});
