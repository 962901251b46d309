import { readFileSync } from 'node:fs';
import { fluentEmoji } from '../src/adapters/illustrations/fluent-emoji.ts';
import { composePicture } from '../src/adapters/illustrations/picture.ts';
import { createMedia, generateBackground } from '../src/adapters/ffmpeg/index.ts';
import { buildScript, parseArticle, understand } from '../src/pipeline/text/index.ts';
import { chooseVisuals } from '../src/pipeline/visuals/choose.ts';
import { choiceScenes } from '../src/pipeline/handlers/visual-choose.ts';
const media = createMedia({});
const [w, h] = [Number(process.argv[2]), Number(process.argv[3])];
await generateBackground(media.runner, { width: w, height: h, seed: 7, out: `/tmp/illus-bg.png` });
const article = parseArticle(readFileSync('examples/sample-article.md', 'utf8'));
const script = buildScript(article, understand(article));
const choices = chooseVisuals(choiceScenes(script), [], fluentEmoji());
for (const [i, c] of choices.entries()) {
  try {
    const icon = c.kind === 'illustration' ? await fluentEmoji().icon(c.icon) : undefined;
    await composePicture({ width: w, height: h, background: '/tmp/illus-bg.png', icon, phrase: c.phrase, out: `/tmp/illus-s${i}.png` });
    console.log(i, 'ok', c.kind, (c as any).icon);
  } catch (e) { console.log(i, 'fail', c, e); }
}
