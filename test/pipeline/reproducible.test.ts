import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';

/**
 * The same work gives the same bytes: two cold renders of one article (fresh
 * data directories, nothing cached) with one ffmpeg build write identical
 * files, whatever else the machine is doing, and the render says which build
 * it used.
 */

const ARTICLE = 'test/fixtures/articles/short.md';
const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';

interface Summary {
  output: string;
  subtitles: string | null;
  components_executed: number;
  ffmpeg: { path: string; source: string; version: string; release: string };
}

describe('reproducible renders', function () {
  this.timeout(240000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-repro-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function render(name: string, env: Record<string, string> = {}): Promise<Summary> {
    const out = path.join(dir, `${name}.mp4`);
    const { stdout } = await execa('node', ['bin/slotflow.js', 'render', ARTICLE, '-o', out, '--size', '320x180', '--json'], {
      env: { ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, `data-${name}`), ...env },
    });
    return JSON.parse(stdout) as Summary;
  }

  const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
  /** The decoded samples of a stream, hashed (`framemd5` without its header). */
  const decodedHash = async (file: string, stream: 'a' | 'v') => {
    const { stdout } = await execa(SYSTEM_FFMPEG, ['-v', 'error', '-i', file, '-map', `0:${stream}:0`, '-f', 'framemd5', '-']);
    return createHash('sha256').update(stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n')).digest('hex');
  };
  /** Frame-by-frame PSNR between two videos of the same length: how many frames, and the lowest (inf for identical). */
  const framePsnr = async (one: string, two: string) => {
    const { stdout } = await execa(SYSTEM_FFMPEG, ['-v', 'error', '-i', one, '-i', two, '-lavfi', '[0:v][1:v]psnr=stats_file=-', '-f', 'null', '-']);
    const values = [...stdout.matchAll(/psnr_avg:(inf|[\d.]+)/g)].map((m) => (m[1] === 'inf' ? Infinity : Number(m[1])));
    return { frames: values.length, minDb: Math.min(...values) };
  };

  it('writes the same sound, subtitles and picture from two cold renders of the same article', async () => {
    // Side by side, so the two compete for the cores as renders on a busy machine do.
    const [a, b] = await Promise.all([render('first'), render('second')]);
    expect(a.components_executed).to.be.above(0);
    expect(b.components_executed).to.equal(a.components_executed);
    expect(b.ffmpeg).to.deep.equal(a.ffmpeg);
    expect(await sha256(b.subtitles!)).to.equal(await sha256(a.subtitles!));
    expect(await decodedHash(b.output, 'a')).to.equal(await decodedHash(a.output, 'a'));
    // Not byte for byte: libass captions under ffmpeg's fades come out a level apart in a few pixels from one run
    // to the next (a defect noted on issue 14). Every frame must still be the same picture: at least 40 dB apart.
    const { frames, minDb } = await framePsnr(a.output, b.output);
    expect(frames).to.be.above(0);
    expect(minDb, 'the least similar frame (dB PSNR)').to.be.at.least(40);
  });

  it('reports the ffmpeg build it used, and FFMPEG_PATH chooses it', async function () {
    if (!existsSync(SYSTEM_FFMPEG)) this.skip(); // Debian's ffmpeg is not installed here (.ci/run installs it)
    const summary = await render('system', { FFMPEG_PATH: SYSTEM_FFMPEG });
    expect(summary.ffmpeg).to.include({ path: SYSTEM_FFMPEG, source: 'given' });
    expect(Number(summary.ffmpeg.release.split('.')[0])).to.be.at.least(5);
  });
});
