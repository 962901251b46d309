import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { createMedia, generateBackground, probe } from '../../src/adapters/ffmpeg/index.ts';
import { fluentEmoji } from '../../src/adapters/illustrations/fluent-emoji.ts';
import { composePicture, layoutPhrase, lineEm } from '../../src/adapters/illustrations/picture.ts';

describe('a scene picture: illustration and key phrase', () => {
  it('sets any key phrase inside its box, in at most three lines', () => {
    const words = fc.array(fc.oneof(fc.string({ minLength: 1, maxLength: 14 }), fc.constantFrom('城市', '高速列车', 'Singapore', '呼吸', 'WWWWWWWWWWWWWWWWWWWW')), { minLength: 1, maxLength: 12 });
    fc.assert(fc.property(words, fc.integer({ min: 80, max: 900 }), fc.integer({ min: 60, max: 600 }), (parts, width, height) => {
      const phrase = parts.join(' ').trim() || 'x';
      const { lines, fontSize } = layoutPhrase(phrase, width, height, 120, 10);
      expect(lines.length).to.be.within(1, 3);
      for (const line of lines) expect(lineEm(line) * fontSize).to.be.at.most(width);
    }), { numRuns: 200 });
  });

  it('renders a PNG of the frame size with resvg, with an icon and with type alone', async function () {
    this.timeout(30_000);
    const dir = await mkdtemp(path.join(tmpdir(), 'slotflow-picture-'));
    try {
      const media = createMedia();
      const background = path.join(dir, 'bg.png');
      await generateBackground(media.runner, { width: 360, height: 640, seed: 1, out: background });
      const icon = await fluentEmoji().icon('train');
      for (const [name, withIcon] of [['icon.png', true], ['type.png', false]] as const) {
        const out = path.join(dir, name);
        await composePicture({ width: 360, height: 640, background, icon: withIcon ? icon : undefined, phrase: 'Night trains', out });
        const info = await probe(media.runner, out);
        expect([info.video?.width, info.video?.height]).to.deep.equal([360, 640]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
