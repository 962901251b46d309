/**
 * Transitions between scenes on both ffmpeg builds: the packaged 4.1 (no
 * `xfade`, the fallback filters) and the system one when it is there
 * (Debian's 5.1, `xfade`). Three short synthetic scenes (a dark, a bright and
 * a mid-grey picture, each with its own tone) are joined with a hard cut and
 * with each transition, and the joins compared decoded: the same length and
 * the same sound as the cut, a blend in the middle of each window, and every
 * frame outside the windows the cut's own.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CUT, concatSegments, EncodeSlots, FfmpegRunner, FPS, JOIN_HANDLE_FRAMES, type JoinedSound, joinSegments, locateFfmpeg, mixFinal, mixSound, muxFinal, probe,
  renderScene, renderTitleCard, type SegmentEncoder, synthesizeMusic, type Transition,
} from '../../../src/adapters/ffmpeg/index.ts';
import { monoWav } from '../../support/wav.ts';

const WIDTH = 96;
const HEIGHT = 160;
const SCENE_FRAMES = [45, 51, 45];
const SCENE_GREYS = [0x20, 0xe0, 0x80];
const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';
/** x264 at CRF 23 on flat pictures: the re-encoded frames of a window stay this close to what they were made from. */
const MIN_REENCODED_PSNR_DB = 35;


function mean(frame: Buffer): number {
  let sum = 0;
  for (const v of frame) sum += v;
  return sum / frame.length;
}

function psnr(a: Buffer, b: Buffer): number {
  let sq = 0;
  for (let i = 0; i < a.length; i++) sq += (a[i]! - b[i]!) ** 2;
  return sq === 0 ? Infinity : 10 * Math.log10((255 * 255) / (sq / a.length));
}

const builds: Array<{ name: string; ffmpegPath?: string }> = [{ name: 'the packaged ffmpeg (fallback filters)' }];
if (existsSync(SYSTEM_FFMPEG)) builds.push({ name: `the system ffmpeg (${SYSTEM_FFMPEG}, xfade)`, ffmpegPath: SYSTEM_FFMPEG });

for (const build of builds) {
  describe(`transitions between scenes, on ${build.name}`, function () {
    this.timeout(60_000);
    const runner = new FfmpegRunner(locateFfmpeg(build.ffmpegPath ? { ffmpegPath: build.ffmpegPath } : {}));
    const media: SegmentEncoder = { runner, slots: new EncodeSlots(2) };
    let dir: string;
    const file = (name: string) => path.join(dir, name);
    const scenes = SCENE_FRAMES.map((_, i) => `scene${i}.mp4`);

    /** The luma of every frame of the video, each frame one buffer. */
    async function lumaFrames(video: string): Promise<Buffer[]> {
      const raw = file(`${path.basename(video)}.gray`);
      await runner.ffmpeg(['-i', video, '-map', '0:v:0', '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', raw]);
      const bytes = await readFile(raw);
      const size = WIDTH * HEIGHT;
      return Array.from({ length: bytes.length / size }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
    }

    async function startTimes(video: string): Promise<string[]> {
      const out = JSON.parse(await runner.ffprobe(['-print_format', 'json', '-show_streams', video])) as { streams: Array<{ start_time: string }> };
      return out.streams.map((s) => s.start_time);
    }

    async function pcm(video: string): Promise<Buffer> {
      const raw = file(`${path.basename(video)}.pcm`);
      await runner.ffmpeg(['-i', video, '-map', '0:a:0', '-f', 's16le', '-acodec', 'pcm_s16le', raw]);
      return readFile(raw);
    }

    async function join(name: string, transition: Transition): Promise<string> {
      await joinSegments(media, { segments: scenes.map(file), joins: [transition, transition], out: file(name) });
      return file(name);
    }

    /** First frame of each join's window on the joined timeline. */
    const windowStarts = SCENE_FRAMES.slice(0, -1).map((_, i) => SCENE_FRAMES.slice(0, i + 1).reduce((a, b) => a + b, 0) - JOIN_HANDLE_FRAMES);
    const inWindow = (n: number) => windowStarts.some((s) => n >= s && n < s + 2 * JOIN_HANDLE_FRAMES);

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-transitions-test-'));
      for (const [i, frames] of SCENE_FRAMES.entries()) {
        const grey = SCENE_GREYS[i]!.toString(16).padStart(2, '0');
        await runner.ffmpeg(['-f', 'lavfi', '-i', `color=c=0x${grey.repeat(3)}:s=64x64`, '-frames:v', '1', file(`still${i}.png`)]);
        await writeFile(file(`voice${i}.wav`), monoWav(frames / FPS - 0.2, 22_050, (t) => (8000 / 32767) * Math.sin(2 * Math.PI * (300 + 150 * i) * t)));
        await renderScene(media, {
          width: WIDTH, height: HEIGHT, durationSec: frames / FPS, visual: { path: file(`still${i}.png`), kind: 'image', smooth: true },
          audio: file(`voice${i}.wav`), cues: [], fadeSec: 0, out: file(scenes[i]!),
        });
      }
      await concatSegments(runner, scenes.map(file), file('cut.mp4'));
    });

    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('crossfades without changing the length, the sound or any frame outside the windows', async () => {
      const joined = await join('crossfade.mp4', { kind: 'crossfade', durationSec: 0.5 });
      const [cutInfo, joinedInfo] = await Promise.all([probe(runner, file('cut.mp4')), probe(runner, joined)]);
      expect(Math.abs(joinedInfo.durationSec - cutInfo.durationSec)).to.be.at.most(1 / FPS);
      expect(joinedInfo.video).to.deep.equal(cutInfo.video);
      expect(await startTimes(joined), 'picture and sound start where the hard cut\'s do').to.deep.equal(await startTimes(file('cut.mp4')));

      expect((await pcm(joined)).equals(await pcm(file('cut.mp4'))), 'the decoded sound equals the hard cut\'s').to.equal(true);

      const [cut, blended] = await Promise.all([lumaFrames(file('cut.mp4')), lumaFrames(joined)]);
      expect(blended.length).to.equal(cut.length);
      expect(cut.length).to.equal(SCENE_FRAMES.reduce((a, b) => a + b, 0));
      for (const [n, frame] of blended.entries()) {
        if (!inWindow(n)) expect(frame.equals(cut[n]!), `frame ${n}, outside the windows, is the hard cut's`).to.equal(true);
      }
      for (const [j, start] of windowStarts.entries()) {
        const middle = mean(blended[start + JOIN_HANDLE_FRAMES]!);
        const [before, after] = [mean(cut[start]!), mean(cut[start + 2 * JOIN_HANDLE_FRAMES - 1]!)];
        const [low, high] = [Math.min(before, after), Math.max(before, after)];
        expect(middle, `join ${j}: the frame at the join is a blend of the two scenes`).to.be.within(low + 0.2 * (high - low), high - 0.2 * (high - low));
        // The window's first frame, before a 15-frame transition starts, is the old scene encoded once more; its last is
        // the fifteenth of the transition, all but a fifteenth the new scene.
        expect(psnr(blended[start]!, cut[start]!)).to.be.at.least(MIN_REENCODED_PSNR_DB);
        const last = mean(blended[start + 2 * JOIN_HANDLE_FRAMES - 1]!);
        expect(Math.abs(last - after)).to.be.at.most(Math.abs(after - before) / 10);
      }
    });

    it('slides and wipes the next scene in from the right: the frame at the join is old on the left, new on the right', async () => {
      const cut = await lumaFrames(file('cut.mp4'));
      for (const kind of ['slide', 'wipe'] as const) {
        const joined = await join(`${kind}.mp4`, { kind, durationSec: 0.5 });
        const frames = await lumaFrames(joined);
        expect(frames.length, kind).to.equal(cut.length);
        expect((await pcm(joined)).equals(await pcm(file('cut.mp4'))), `${kind}: the sound is the hard cut's`).to.equal(true);
        const start = windowStarts[0]!;
        const frame = frames[start + JOIN_HANDLE_FRAMES]!;
        const column = (x: number) => mean(Buffer.from(Array.from({ length: HEIGHT }, (_, y) => frame[y * WIDTH + x]!)));
        const [old, next] = [mean(cut[start]!), mean(cut[start + 2 * JOIN_HANDLE_FRAMES - 1]!)];
        expect(Math.abs(column(2) - old), `${kind}: the left edge still shows the old scene`).to.be.below(8);
        expect(Math.abs(column(WIDTH - 3) - next), `${kind}: the right edge already shows the new scene`).to.be.below(8);
        for (const [n, f] of frames.entries()) if (!inWindow(n)) expect(f.equals(cut[n]!), `${kind}: frame ${n}`).to.equal(true);
      }
    });

    it('blends one join and cuts the other: only that window changes, and the window is a blend of both sides', async () => {
      const cut = await lumaFrames(file('cut.mp4'));
      const out = file('one-window.mp4');
      await joinSegments(media, { segments: scenes.map(file), joins: [CUT, { kind: 'crossfade', durationSec: 0.5 }], out });
      const frames = await lumaFrames(out);
      expect(frames.length).to.equal(cut.length);
      const start = windowStarts[1]!;
      for (const [n, f] of frames.entries()) {
        if (n < start || n >= start + 2 * JOIN_HANDLE_FRAMES) expect(f.equals(cut[n]!), `frame ${n}, outside the one window`).to.equal(true);
      }
      const [old, next] = [mean(cut[start]!), mean(cut[start + 2 * JOIN_HANDLE_FRAMES - 1]!)];
      expect(mean(frames[start + JOIN_HANDLE_FRAMES]!)).to.be.within(Math.min(old, next) + 5, Math.max(old, next) - 5);
    });

    it('gives the same bytes for the same segments every time', async () => {
      const first = await readFile(await join('again-1.mp4', { kind: 'crossfade', durationSec: 0.4 }));
      const second = await readFile(await join('again-2.mp4', { kind: 'crossfade', durationSec: 0.4 }));
      expect(first.equals(second)).to.equal(true);
    });

    it('joins with cuts alone exactly as concatSegments does', async () => {
      const cutOnly = await readFile(await join('cuts.mp4', { kind: 'cut', durationSec: 0 }));
      expect(cutOnly.equals(await readFile(file('cut.mp4')))).to.equal(true);
    });

    it('mixes the sound beside the join as mixFinal mixes the joined file: the same voice, in step with the picture', async () => {
      const music = file('music.wav');
      await synthesizeMusic(runner, { durationSec: 6, seed: 7, out: music });
      const mix = { music, musicVolume: 0.35, fadeSec: 0.5 };
      const crossfade: Transition = { kind: 'crossfade', durationSec: 0.5 };
      let sound: JoinedSound | undefined;
      await joinSegments(media, {
        segments: scenes.map(file), joins: [crossfade, crossfade], out: file('beside.mp4'),
        alongside: async (s) => {
          await mixSound(runner, { sound: s, ...mix, out: file('beside.m4a') });
          sound = s;
        },
      });
      await muxFinal(runner, { video: file('beside.mp4'), sound: file('beside.m4a'), durationSec: sound!.durationSec, out: file('beside-final.mp4') });
      await mixFinal(runner, { video: file('beside.mp4'), ...mix, out: file('after-final.mp4') });

      const [beside, after] = [file('beside-final.mp4'), file('after-final.mp4')];
      expect(sound!.durationSec, 'the length the sound was mixed to is the joined file\'s').to.be.closeTo((await probe(runner, file('beside.mp4'))).durationSec, 0.001);
      expect(await startTimes(beside), 'picture and sound start where mixFinal\'s do').to.deep.equal(await startTimes(after));
      const [a, b] = [await pcm(beside), await pcm(after)];
      // 16-bit stereo: 4 bytes a sample. The ends may differ by one AAC frame: mixFinal cuts at the container's length,
      // rounded to the millisecond, mixSound at the picture's end.
      expect(Math.abs(a.length - b.length) / 4, 'as many samples, within one AAC frame').to.be.at.most(1024);
      // The music's fade-out starts a fraction of a millisecond apart for the same reason, felt a frame's overlap (21 ms)
      // early; before it the two are the same samples, so the voice is where mixFinal puts it, against the same picture.
      const fadeStart = Math.floor((sound!.durationSec - mix.fadeSec - 0.05) * 48_000) * 4;
      expect(a.subarray(0, fadeStart).equals(b.subarray(0, fadeStart)), 'the same mix, sample for sample, up to the fade-out').to.equal(true);
      expect((await lumaFrames(beside)).length).to.equal(SCENE_FRAMES.reduce((x, y) => x + y, 0));
    });

    it('refuses a segment that has no keyframes for the transition, and a transition longer than the handles', async () => {
      await renderTitleCard(media, { width: WIDTH, height: HEIGHT, durationSec: 1.5, title: 'Title', out: file('title.mp4') });
      const crossfade: Transition = { kind: 'crossfade', durationSec: 0.5 };
      let error: unknown;
      await joinSegments(media, { segments: [file('title.mp4'), file(scenes[0]!)], joins: [crossfade], out: file('refused.mp4') }).catch((e: unknown) => { error = e; });
      expect(String(error)).to.match(/no keyframes at frames/);
      error = undefined;
      await joinSegments(media, { segments: scenes.slice(0, 2).map(file), joins: [{ kind: 'wipe', durationSec: 2 }], out: file('refused.mp4') }).catch((e: unknown) => { error = e; });
      expect(error).to.be.instanceOf(RangeError);
    });
  });
}
