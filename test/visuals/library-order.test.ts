import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createMedia } from '../../src/adapters/ffmpeg/index.ts';
import type { IllustrationKeywords } from '../../src/adapters/illustrations/fluent-emoji.ts';
import { usable } from '../../src/pipeline/handlers/material-search.ts';
import { chooseVisuals, type ChoiceScene } from '../../src/pipeline/visuals/choose.ts';
import { sceneTerms } from '../../src/pipeline/visuals/scene-terms.ts';
import { LocalLibraryProvider } from '../../src/providers/material/local-library.ts';

/** A library of plain images made with ffmpeg, each tagged with what it "shows". */
const ITEMS = [
  { file: 'harbour.png', colour: 'navy', tags: ['harbour', 'boat', 'sea'] },
  { file: 'forest.png', colour: 'green', tags: ['forest', 'tree'] },
  { file: 'bridge.png', colour: 'gray', tags: ['bridge', 'river'] },
  { file: 'market.png', colour: 'orange', tags: ['market', 'fruit', '市场'] },
];
const NO_ICONS: IllustrationKeywords = { lookup: () => [], chineseKeywords: () => [] };
const ICONS: IllustrationKeywords = { lookup: (_l, k) => (k === 'boat' ? ['sailboat'] : []), chineseKeywords: () => [] };

describe('found material follows each scene\'s own words', () => {
  let dir: string;
  const media = createMedia();
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slotflow-library-'));
    for (const item of ITEMS) {
      await media.runner.ffmpeg(['-f', 'lavfi', '-i', `color=c=${item.colour}:s=320x180`, '-frames:v', '1', path.join(dir, item.file)]);
    }
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({
      items: ITEMS.map((i) => ({ file: i.file, kind: 'image', width: 320, height: 180, tags: i.tags })),
    }));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function found(keywords: string[]) {
    const library = new LocalLibraryProvider({ dir });
    const candidates = await library.search({ keywords, orientation: 'landscape', limit: 12 }, dir);
    return usable(media.runner, candidates, new AbortController().signal);
  }
  const scene = (text: string): ChoiceScene => ({ text, language: 'en', terms: sceneTerms(text, 'en') });

  it('gives each scene the image tagged with its own words, in scene order, and records the term', async () => {
    const scenes = [
      scene('The old bridge spans the river at dawn.'),
      scene('Fishing boats return to the harbour.'),
      scene('Stalls at the market sell fruit from the hills.'),
      scene('Beyond the town, the forest is quiet.'),
    ];
    // Searched with the article's words in another order: each scene's own words decide.
    const choices = chooseVisuals(scenes, await found(['forest', 'market', 'harbour', 'bridge']), NO_ICONS);
    expect(choices.map((c) => (c.kind === 'found' ? path.basename(c.candidate.path) : c.kind))).to.deep.equal(['bridge.png', 'harbour.png', 'market.png', 'forest.png']);
    expect(choices.map((c) => c.term)).to.deep.equal(['bridge', 'boats', 'market', 'forest']);
  });

  it('never uses an image twice: a later scene with the same words gets an illustration, then type alone', async () => {
    const scenes = [scene('Boats fill the harbour.'), scene('More boats arrive at the harbour.'), scene('The harbour sleeps.')];
    const choices = chooseVisuals(scenes, await found(['harbour']), ICONS);
    expect(choices.map((c) => c.kind)).to.deep.equal(['found', 'illustration', 'typography']);
    const paths = choices.flatMap((c) => (c.kind === 'found' ? [c.candidate.path] : []));
    expect(new Set(paths).size).to.equal(paths.length);
  });

  it('shows no library image that matches none of a scene\'s words, though the library fills its results', async () => {
    const [choice] = chooseVisuals([scene('A violinist tunes her instrument.')], await found(['violin']), NO_ICONS);
    expect(choice!.kind).to.equal('typography');
  });

  it('matches a Chinese tag inside a Chinese narration', async () => {
    const zh: ChoiceScene = { text: '周末的市场很热闹。', language: 'zh', terms: sceneTerms('周末的市场很热闹。', 'zh', []) };
    const [choice] = chooseVisuals([zh], await found(['市场']), NO_ICONS);
    expect(choice).to.include({ kind: 'found', term: '市场' });
  });
});
