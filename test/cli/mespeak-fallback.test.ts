/**
 * `slotflow render` on a machine without Festival, Flite or espeak-ng: the
 * command line runs with a PATH that holds only `node`, so no speech program
 * (and no system ffmpeg: the packaged build is used) can be found. meSpeak,
 * bundled as an npm package, narrates; the video, its subtitles and its cover
 * are written, and the karaoke captions light up word by word as meSpeak speaks.
 */
import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FfmpegRunner, probe, resolveCaptionLayout } from '../../src/adapters/ffmpeg/index.ts';
import { CAPTION_LINE_HEIGHT } from '../../src/adapters/ffmpeg/ass.ts';
import { decodePicture, type Picture } from '../support/frames.ts';
import { REPO } from '../support/cli.ts';

const SIZE = [640, 360] as const;

/**
 * Bright pixels in the rows the captions take, and those of them that are white (words not yet spoken) or gold
 * (spoken: the karaoke highlight `&H0000D7FF`). The picture behind may have gold of its own (lit windows).
 */
function captionColours(picture: Picture): { bright: number; white: number; gold: number } {
  const layout = resolveCaptionLayout(picture.width, picture.height, { style: 'karaoke' });
  const bottom = picture.height - layout.marginV + layout.outline;
  const top = picture.height - layout.marginV - layout.fontSize * CAPTION_LINE_HEIGHT;
  let bright = 0;
  let white = 0;
  let gold = 0;
  for (let y = Math.max(0, Math.floor(top)); y < Math.min(picture.height, bottom); y++) {
    for (let x = 0; x < picture.width; x++) {
      const [r, g, b] = picture.at(x, y);
      if (Math.min(r, g) < 170) continue;
      bright++;
      if (b > 170) white++;
      else if (b < 110) gold++;
    }
  }
  return { bright, white, gold };
}

describe('render without Festival, Flite or espeak-ng', function () {
  this.timeout(240_000);
  const runner = new FfmpegRunner();
  let dir: string;
  let env: Record<string, string>;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-mespeak-cli-'));
    await mkdir(file('bin'));
    await symlink(process.execPath, file('bin/node'));
    env = { PATH: file('bin'), HOME: process.env.HOME ?? dir, SLOTFLOW_DATA_DIR: file('data') };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const slotflow = async (...args: string[]) => {
    const r = await execa(file('bin/node'), ['bin/slotflow.js', ...args], { cwd: REPO, env, extendEnv: false, reject: false });
    return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  it('finds no voice but meSpeak\'s', async () => {
    const { code, stdout } = await slotflow('voices', '--json');
    expect(code).to.equal(0);
    const providers = new Set((JSON.parse(stdout) as Array<{ provider: string }>).map((v) => v.provider));
    expect([...providers]).to.deep.equal(['mespeak']);
  });

  it('renders the sample with meSpeak, writing the video, its subtitles and its cover, with karaoke captions', async () => {
    const out = file('out.mp4');
    const { code, stdout, stderr } = await slotflow(
      'render', 'examples/sample-article.md', '-o', out, '--captions', 'karaoke', '--size', SIZE.join('x'), '--json',
    );
    expect(code, stderr).to.equal(0);
    const summary = JSON.parse(stdout) as { voice: { provider: string; reason: string }; subtitles: string; cover: string };
    expect(summary.voice.provider).to.equal('mespeak');
    expect(summary.voice.reason).to.match(/^mespeak\b/);
    expect(summary.subtitles).to.equal(file('out.srt'));
    expect(summary.cover).to.equal(file('out.jpg'));
    for (const name of ['out.mp4', 'out.srt', 'out.jpg']) expect(existsSync(file(name)), name).to.equal(true);
    expect((await probe(runner, out)).video).to.include({ codec: 'h264', width: SIZE[0], height: SIZE[1] });
    expect((await probe(runner, file('out.jpg'))).video).to.include({ width: SIZE[0], height: SIZE[1] });

    // Karaoke: early in a cue few of its words are lit, late in it most are. The first cue of some length is looked at.
    const cues = (await readFile(file('out.srt'), 'utf8')).trim().split(/\n\n+/).map((block) => {
      const [a, b] = block.split('\n')[1]!.split(' --> ').map((t) => {
        const [h, m, s] = t.replace(',', '.').split(':').map(Number) as [number, number, number];
        return h * 3600 + m * 60 + s;
      }) as [number, number];
      return { start: a, end: b };
    });
    const cue = cues.find((c) => c.end - c.start > 1.5)!;
    expect(cue, 'a cue longer than 1.5 s').to.not.equal(undefined);
    const early = captionColours(await decodePicture(runner, out, file('early.bmp'), cue.start + 0.1));
    const late = captionColours(await decodePicture(runner, out, file('late.bmp'), cue.end - 0.1));
    // The line is still there at the end, but its words have turned from white to gold.
    expect(early.white, 'white words early in the cue').to.be.above(late.white * 4);
    expect(late.bright, 'the line late in the cue').to.be.above(early.bright / 2);
    expect(late.gold, 'gold words late in the cue').to.be.above(early.gold);
  });
});
