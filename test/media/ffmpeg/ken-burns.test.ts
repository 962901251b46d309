/**
 * The Ken Burns move: which chain each kind of still gets on which build, and,
 * with Debian's ffmpeg 5.1, that a drawn picture moved by scale and crop makes
 * the same move as the oversampled zoompan a photo gets.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Capabilities } from '../../../src/adapters/ffmpeg/capabilities.ts';
import { createMedia, probe, renderScene } from '../../../src/adapters/ffmpeg/index.ts';
import { kenBurnsFilters } from '../../../src/adapters/ffmpeg/ken-burns.ts';

const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';
/** Two renders of one move whose frames are at least this close are the same picture, a pixel's rounding apart. */
const SAME_MOVE_MIN_PSNR_DB = 30;

function build(libavcodec: [number, number, number]): Capabilities {
  return { known: true, version: 'test', libavcodec, release: 'test', encoders: new Set(), filters: new Set() };
}

describe('Ken Burns move', function () {
  this.timeout(60_000);

  describe('the chain for each still', () => {
    const ffmpeg51 = build([59, 37, 100]);
    const ffmpeg41 = build([58, 35, 100]);

    it('scales and crops a drawn picture at output size on ffmpeg 5.0 and later', () => {
      const chain = kenBurnsFilters(ffmpeg51, 'drawn', 180, 320, 31, 7).join(',');
      expect(chain).to.include('eval=frame').and.include('exact=1').and.not.include('zoompan');
      expect(chain).to.include('scale=180:320:');
    });

    it('moves a drawn picture like a photo on builds whose scale filter has no frame number', () => {
      expect(kenBurnsFilters(ffmpeg41, 'drawn', 180, 320, 31, 7)).to.deep.equal(kenBurnsFilters(ffmpeg41, 'photo', 180, 320, 31, 7));
      expect(kenBurnsFilters({ ...ffmpeg51, known: false }, 'drawn', 180, 320, 31, 7).join(',')).to.include('zoompan');
    });

    it('oversamples a photo twice and a smooth picture not at all', () => {
      expect(kenBurnsFilters(ffmpeg51, 'photo', 180, 320, 31, 7).join(',')).to.include('scale=360:640:').and.include('zoompan');
      expect(kenBurnsFilters(ffmpeg51, 'smooth', 180, 320, 31, 7).join(',')).to.include('scale=180:320:').and.include('zoompan');
    });

    it('makes the same move from the same seed, and another from another', () => {
      expect(kenBurnsFilters(ffmpeg51, 'drawn', 180, 320, 31, 7)).to.deep.equal(kenBurnsFilters(ffmpeg51, 'drawn', 180, 320, 31, 7));
      expect(kenBurnsFilters(ffmpeg51, 'drawn', 180, 320, 31, 7)).to.not.deep.equal(kenBurnsFilters(ffmpeg51, 'drawn', 180, 320, 31, 8));
    });
  });

  describe('with Debian ffmpeg 5.1', () => {
    const media = createMedia({ ffmpegPath: SYSTEM_FFMPEG });
    const { runner } = media;
    let dir: string;
    const file = (name: string) => path.join(dir, name);

    before(async function () {
      if (!runner.capabilities.known || runner.capabilities.libavcodec[0] < 59) this.skip();
      dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-ken-burns-'));
      // A still with detail everywhere, so that a wrong move cannot hide in flat colour, softened as a drawn picture's edges are antialiased.
      await runner.ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=360x640', '-vf', 'gblur=sigma=3', '-frames:v', '1', '-update', '1', file('still.png')]);
      await runner.ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono', '-t', '1.5', file('silence.wav')]);
    });

    after(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const scene = (drawn: boolean, out: string) => renderScene(media, {
      width: 360, height: 640, durationSec: 1.5, visual: { path: file('still.png'), kind: 'image', drawn }, audio: file('silence.wav'),
      cues: [], fadeSec: 0, motionSeed: 11, out: file(out),
    });

    /** Per-frame PSNR of two videos (`psnr_avg` of each frame), by the same build. */
    const framePsnr = async (one: string, two: string): Promise<number[]> => {
      const stdout = await runner.ffmpeg(['-i', file(one), '-i', file(two), '-lavfi', '[0:v][1:v]psnr=stats_file=-', '-f', 'null', '-']);
      return [...stdout.matchAll(/psnr_avg:(inf|[\d.]+)/g)].map((m) => (m[1] === 'inf' ? Infinity : Number(m[1])));
    };

    it('moves a drawn picture as the oversampled zoompan moves a photo, at the requested size and length', async () => {
      await scene(true, 'drawn.mp4');
      await scene(false, 'photo.mp4');
      const info = await probe(runner, file('drawn.mp4'));
      expect(info.video).to.include({ width: 360, height: 640, fps: 30 });
      expect(info.durationSec).to.be.closeTo(1.5, 0.1);
      const psnr = await framePsnr('drawn.mp4', 'photo.mp4');
      expect(psnr).to.have.length(45);
      expect(Math.min(...psnr), 'the worst frame').to.be.at.least(SAME_MOVE_MIN_PSNR_DB);
      // And it does move: its last frame is another picture than its first.
      const [first, last] = await Promise.all(['first', 'last'].map(async (which) => {
        const at = which === 'first' ? '0' : '1.45';
        await runner.ffmpeg(['-ss', at, '-i', file('drawn.mp4'), '-frames:v', '1', '-update', '1', file(`${which}.png`)]);
        return file(`${which}.png`);
      }));
      const ends = await framePsnr(path.basename(first!), path.basename(last!));
      expect(ends[0]).to.be.below(SAME_MOVE_MIN_PSNR_DB);
    });
  });
});
