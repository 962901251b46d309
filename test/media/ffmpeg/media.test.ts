/**
 * The ffmpeg adapter against the real bundled ffmpeg and ffprobe, on tiny
 * frames and short clips so the file runs in seconds. Every file lives in a
 * directory whose name holds the characters that break filter graphs and
 * concat lists (quote, space, brackets, comma, semicolon, colon, percent), so
 * each render also checks the path escaping.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  concatSegments,
  createMedia,
  EncodeSlots,
  encodeFloor,
  FfmpegError,
  FfmpegRunner,
  type ProbeResult,
  generateBackground,
  grabFrame,
  grabKeyframe,
  locateFfmpeg,
  mixFinal,
  probe,
  renderScene,
  renderTitleCard,
  synthesizeMusic,
} from '../../../src/adapters/ffmpeg/index.ts';
import { bundledFonts, preparedFonts } from '../../../src/adapters/fonts.ts';
import { mediaFromSettings } from '../../../src/pipeline/providers.ts';
import { compileSettings } from '../../../src/settings.ts';

const NASTY = String.raw`It's 5:00 \ 100% {bold} %{pts} [in]; a,b`;
const CJK = '你好，世界';
/** What the ASS Text field must hold for NASTY + newline + CJK: braces escaped, the line break as \N. */
const NASTY_IN_ASS = String.raw`It's 5:00 \ 100% \{bold\} %\{pts\} [in]; a,b` + String.raw`\N` + CJK;
const DURATION_TOLERANCE_SEC = 0.1;

/** A mono 16-bit PCM WAV with a quiet sine: a stand-in for synthesized speech. */
function sineWav(seconds: number, rate = 22_050, hz = 330): Buffer {
  const count = Math.round(seconds * rate);
  const data = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** The types of an MP4's top-level boxes, in file order. */
async function topLevelBoxes(file: string): Promise<string[]> {
  const handle = await open(file);
  try {
    const { size } = await handle.stat();
    const types: string[] = [];
    const header = Buffer.alloc(16);
    for (let offset = 0; offset + 8 <= size; ) {
      await handle.read(header, 0, 16, offset);
      const type = header.toString('latin1', 4, 8);
      let length = header.readUInt32BE(0);
      if (length === 1) length = Number(header.readBigUInt64BE(8));
      else if (length === 0) length = size - offset;
      if (length < 8) throw new Error(`bad box ${type} at ${offset}`);
      types.push(type);
      offset += length;
    }
    return types;
  } finally {
    await handle.close();
  }
}

/** Mean absolute difference of two same-sized BMP frames, 0..255. */
async function frameDifference(a: string, b: string): Promise<number> {
  const [x, y] = [await readFile(a), await readFile(b)];
  expect(x.length).to.equal(y.length);
  const offset = x.readUInt32LE(10); // start of the pixel array
  let sum = 0;
  for (let i = offset; i < x.length; i++) sum += Math.abs((x[i] ?? 0) - (y[i] ?? 0));
  return sum / (x.length - offset);
}

function expectSegment(info: ProbeResult, width: number, height: number, durationSec: number): void {
  expect(info.video, 'video stream').to.include({ codec: 'h264', width, height, fps: 30 });
  expect(info.audio, 'audio stream').to.include({ codec: 'aac', sampleRate: 48_000, channels: 2 });
  expect(info.durationSec).to.be.closeTo(durationSec, DURATION_TOLERANCE_SEC);
}

describe('ffmpeg adapter', function () {
  this.timeout(60_000);
  const media = createMedia();
  const { runner } = media;

  let root: string;
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'slotflow-ffmpeg-test-'));
    dir = path.join(root, "it's [a],b;c:d %d");
    await mkdir(dir);
    await writeFile(file('voice.wav'), sineWav(1.2));
    await generateBackground(runner, { width: 320, height: 180, seed: 1, out: file('still.png') });
    // Half a second of moving test pattern: the video visual that has to loop.
    await encodeFloor(runner, { width: 320, height: 180, durationSec: 0.5, out: file('clip.mp4') });
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('binaries', () => {
    it('uses the bundled ffmpeg and ffprobe when no path is given', () => {
      const found = locateFfmpeg();
      // ffmpeg-static wins when installed; it is not installed here.
      expect(found.source).to.be.oneOf(['ffmpeg-static', '@ffmpeg-installer/ffmpeg']);
      expect(found.ffprobeSource).to.equal('@ffprobe-installer/ffprobe');
      expect(path.basename(found.ffmpeg)).to.match(/^ffmpeg/);
      expect(path.basename(found.ffprobe)).to.match(/^ffprobe/);
    });

    it('uses the ffmpeg and ffprobe paths it is given, and runs that binary', async () => {
      const given = { ffmpegPath: path.join(root, 'no-such-ffmpeg'), ffprobePath: path.join(root, 'no-such-ffprobe') };
      const found = locateFfmpeg(given);
      expect(found).to.include({ ffmpeg: given.ffmpegPath, ffprobe: given.ffprobePath, source: 'given', ffprobeSource: 'given' });
      const error = await encodeFloor(new FfmpegRunner(found), { width: 64, height: 64, durationSec: 0.1, out: file('never.mp4') }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(FfmpegError);
      expect(error).to.include({ binary: given.ffmpegPath, code: 'ffmpeg-failed', retryable: true });
    });

    it('takes FFMPEG_PATH and FFPROBE_PATH from the settings where the pipeline is composed', () => {
      const { runner: fromEnv } = mediaFromSettings(compileSettings({ FFMPEG_PATH: '/opt/ffmpeg', FFPROBE_PATH: '/opt/ffprobe' }));
      expect(fromEnv.binaries).to.include({ ffmpeg: '/opt/ffmpeg', ffprobe: '/opt/ffprobe', source: 'given' });
      expect(mediaFromSettings(compileSettings({})).runner.binaries.source).to.not.equal('given');
    });
  });

  describe('fonts', () => {
    it('resolves the bundled Noto Sans SC faces into one font directory', async () => {
      const fonts = bundledFonts();
      expect(fonts.family).to.equal('Noto Sans SC');
      const prepared = await preparedFonts();
      expect(prepared.dir).to.be.a('string');
      expect((await readFile(prepared.fontconfigFile, 'utf8'))).to.include(prepared.dir);
      expect((await readFile(fonts.bold)).subarray(0, 4).toString('hex')).to.equal('00010000'); // TrueType
    });
  });

  describe('stills', () => {
    it('draws the same background for the same seed and another for another seed', async () => {
      await generateBackground(runner, { width: 64, height: 96, seed: 42, out: file('a.png') });
      await generateBackground(runner, { width: 64, height: 96, seed: 42, out: file('b.png') });
      await generateBackground(runner, { width: 64, height: 96, seed: 43, out: file('c.png') });
      const [a, b, c] = await Promise.all(['a.png', 'b.png', 'c.png'].map((name) => readFile(file(name))));
      expect(Buffer.compare(a!, b!)).to.equal(0);
      expect(Buffer.compare(a!, c!)).to.not.equal(0);
    });
  });

  describe('segments', () => {
    it('renders an image scene as H.264 + AAC at the requested size and duration', async () => {
      await renderScene(media, {
        width: 320,
        height: 180,
        durationSec: 1.5,
        visual: { path: file('still.png'), kind: 'image' },
        audio: file('voice.wav'),
        cues: [{ text: 'Hello there', startSec: 0, endSec: 1.2 }],
        watermark: { text: 'slotflow' },
        fadeSec: 0.2,
        out: file('scene.mp4'),
      });
      expectSegment(await probe(runner, file('scene.mp4')), 320, 180, 1.5);
    });

    it('encodes a scene to the same bytes alone and while other encodes hold slots', async () => {
      const slots = new EncodeSlots(4);
      // No captions here: libass captions under a fade differ by one level in a few pixels of the faded frames from
      // one ffmpeg run to the next (seen with the packaged 4.1 and Debian's 5.1 alike), whatever the slots; this test
      // is about the slots. Renders are reused by content, so the difference never reaches a repeated render.
      const scene = (out: string) => renderScene({ runner, slots }, {
        width: 320, height: 180, durationSec: 1.5, visual: { path: file('still.png'), kind: 'image' }, audio: file('voice.wav'),
        cues: [], fadeSec: 0.2, out,
      });
      await scene(file('alone.mp4'));
      // Two other encodes hold their slots for the whole of the second run.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const held = [0, 1].map(() => slots.hold(undefined, () => gate));
      await scene(file('crowded.mp4'));
      release();
      await Promise.all(held);
      expect(Buffer.compare(await readFile(file('alone.mp4')), await readFile(file('crowded.mp4')))).to.equal(0);
    });

    it('moves a smooth image (a generated background) without oversampling, at the requested size and duration', async () => {
      await generateBackground(runner, { width: 180, height: 320, seed: 7, out: file('smooth.png') });
      await renderScene(media, {
        width: 180,
        height: 320,
        durationSec: 1.2,
        visual: { path: file('smooth.png'), kind: 'image', smooth: true },
        audio: file('voice.wav'),
        cues: [{ text: 'Soft', startSec: 0, endSec: 1 }],
        fadeSec: 0.2,
        out: file('smooth.mp4'),
      });
      expectSegment(await probe(runner, file('smooth.mp4')), 180, 320, 1.2);
    });

    it('renders 9:16 and 1:1 segments at their sizes', async () => {
      await renderScene(media, {
        width: 180,
        height: 320,
        durationSec: 1,
        visual: { path: file('still.png'), kind: 'image' },
        audio: file('voice.wav'),
        cues: [{ text: '竖屏字幕 vertical captions', startSec: 0, endSec: 1 }],
        watermark: { image: file('still.png') },
        fadeSec: 0.2,
        out: file('portrait.mp4'),
      });
      await renderTitleCard(media, { width: 240, height: 240, durationSec: 1, title: 'Square title', out: file('square.mp4') });
      expectSegment(await probe(runner, file('portrait.mp4')), 180, 320, 1);
      expectSegment(await probe(runner, file('square.mp4')), 240, 240, 1);
    });

    it('burns in a cue full of markup characters, with the ASS file holding the text literally', async () => {
      const assFile = file('captions [x].ass');
      await renderScene(media, {
        width: 320,
        height: 180,
        durationSec: 1,
        visual: { path: file('still.png'), kind: 'image' },
        audio: file('voice.wav'),
        cues: [{ text: `${NASTY}\n${CJK}`, startSec: 0.1, endSec: 0.9 }],
        watermark: { text: `${NASTY}\n${CJK}` },
        fadeSec: 0,
        out: file('nasty.mp4'),
        subtitlesFile: assFile,
      });
      expectSegment(await probe(runner, file('nasty.mp4')), 320, 180, 1);
      const ass = await readFile(assFile, 'utf8');
      const dialogue = ass.split('\n').find((line) => line.startsWith('Dialogue:'));
      expect(dialogue).to.match(/^Dialogue: 0,0:00:00\.10,0:00:00\.90,/);
      // Our own wrapping may break lines at spaces; undo that before comparing.
      const text = dialogue!.split(',,').slice(2).join(',,');
      expect(text.replace(/\\N/g, ' ')).to.equal(NASTY_IN_ASS.replace(/\\N/g, ' '));
      expect(ass).to.include('Noto Sans SC');
    });

    it('renders a title card from the same markup-laden text', async () => {
      await renderTitleCard(media, { width: 320, height: 180, durationSec: 1, title: `${NASTY}\n${CJK}`, out: file('title.mp4') });
      expectSegment(await probe(runner, file('title.mp4')), 320, 180, 1);
    });

    /** A 1.5 s scene over clip.mp4 (0.5 s long), without captions. */
    const renderClipScene = (name: string) =>
      renderScene(media, { width: 320, height: 180, durationSec: 1.5, visual: { path: file('clip.mp4'), kind: 'video' }, audio: file('voice.wav'), cues: [], fadeSec: 0, out: file(name) });

    it('loops a video visual that is shorter than the scene', async () => {
      // clip.mp4 lasts 0.5 s; frames 0.5 s apart are the same frame of the clip.
      await renderClipScene('looped.mp4');
      expectSegment(await probe(runner, file('looped.mp4')), 320, 180, 1.5);
      for (const at of [0.2, 0.7, 1.2, 0.45]) await grabFrame(runner, file('looped.mp4'), at, file(`at-${at}.bmp`));
      const sameFrameLater = await frameDifference(file('at-0.2.bmp'), file('at-1.2.bmp'));
      const sameFrameNextLoop = await frameDifference(file('at-0.2.bmp'), file('at-0.7.bmp'));
      const otherFrame = await frameDifference(file('at-0.2.bmp'), file('at-0.45.bmp'));
      expect(sameFrameNextLoop).to.be.below(otherFrame / 3);
      expect(sameFrameLater).to.be.below(otherFrame / 3);
    });

    it('grabs the last keyframe before a time, decoded alone, as the frame a full decode shows there', async () => {
      // 45 frames: keyframes at 0 and where the joins' handles start and end (frames 8 and 37), none at 0.75 s.
      await renderClipScene('keyed.mp4');
      await grabKeyframe(runner, file('keyed.mp4'), 0.75, file('key-0.75.bmp'));
      await grabFrame(runner, file('keyed.mp4'), 8 / 30, file('at-frame-8.bmp'));
      await grabFrame(runner, file('keyed.mp4'), 0.75, file('at-0.75.bmp'));
      expect(await readFile(file('key-0.75.bmp'))).to.deep.equal(await readFile(file('at-frame-8.bmp')));
      expect(await frameDifference(file('key-0.75.bmp'), file('at-0.75.bmp'))).to.be.above(0);
    });

    it('reports a failed run as an FfmpegError with the arguments and stderr', async () => {
      await writeFile(file('broken.png'), 'not a picture');
      const error = await renderTitleCard(media, {
        width: 320,
        height: 180,
        durationSec: 1,
        title: 'x',
        background: file('broken.png'),
        out: file('never.mp4'),
      }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(FfmpegError);
      const failure = error as FfmpegError;
      expect(failure.program).to.equal('ffmpeg');
      expect(failure.exitCode).to.be.a('number').and.not.equal(0);
      expect(failure.args.slice(0, 5)).to.deep.equal(['-hide_banner', '-nostdin', '-y', '-loglevel', 'error']);
      expect(failure.args).to.include(path.resolve(file('never.mp4')));
      expect(failure.stderrTail).to.not.equal('');
    });

    it('rejects a missing input with ENOENT naming the file', async () => {
      const error = await renderTitleCard(media, {
        width: 320,
        height: 180,
        durationSec: 1,
        title: 'x',
        background: file('missing.png'),
        out: file('never.mp4'),
      }).catch((e: unknown) => e);
      expect(error).to.include({ code: 'ENOENT', path: file('missing.png') });
    });

    it('stops ffmpeg and rejects as cancelled when the caller aborts', async () => {
      const controller = new AbortController();
      const run = encodeFloor(runner, { width: 320, height: 180, durationSec: 600, out: file('aborted.mp4'), signal: controller.signal });
      await new Promise((r) => setTimeout(r, 300));
      expect(runner.running).to.equal(1);
      const aborted = Date.now();
      controller.abort();
      const error = await run.catch((e: unknown) => e);
      expect(error).to.be.instanceOf(FfmpegError);
      expect((error as FfmpegError).canceled).to.equal(true);
      // The call settles once the child is reaped, SIGKILL included: within a second of the abort.
      expect(Date.now() - aborted).to.be.below(1000);
      expect(runner.running).to.equal(0);
    });

    it('rejects odd frame sizes, which yuv420p cannot hold', async () => {
      const error = await renderTitleCard(media, { width: 321, height: 180, durationSec: 1, title: 'x', out: file('odd.mp4') }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RangeError);
    });
  });

  describe('assembly', () => {
    it('joins segments without re-encoding into their summed duration', async () => {
      await concatSegments(runner, [file('title.mp4'), file('scene.mp4')], file('joined.mp4'));
      expectSegment(await probe(runner, file('joined.mp4')), 320, 180, 2.5);
    });

    it('refuses to join segments of different sizes', async () => {
      const error = await concatSegments(runner, [file('scene.mp4'), file('portrait.mp4')], file('never.mp4')).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RangeError);
    });

    it('synthesizes a music bed of the requested length', async () => {
      await synthesizeMusic(runner, { durationSec: 2, seed: 5, out: file('music.wav') });
      const info = await probe(runner, file('music.wav'));
      expect(info.audio).to.include({ sampleRate: 48_000, channels: 2 });
      expect(info.durationSec).to.be.closeTo(2, DURATION_TOLERANCE_SEC);
    });

    it('mixes the final video with ducked music, fast start, copied H.264 and AAC', async () => {
      await mixFinal(runner, { video: file('joined.mp4'), music: file('music.wav'), musicVolume: 0.3, fadeSec: 0.5, out: file('final.mp4') });
      const [joined, final] = [await probe(runner, file('joined.mp4')), await probe(runner, file('final.mp4'))];
      expectSegment(final, 320, 180, joined.durationSec);
      const boxes = await topLevelBoxes(file('final.mp4'));
      expect(boxes).to.include.members(['moov', 'mdat']);
      expect(boxes.indexOf('moov')).to.be.below(boxes.indexOf('mdat'));
    });

    it('brings the mix to -14 LUFS (±1) with its true peak at or under -1 dBTP, measured with ebur128', async () => {
      for (const out of ['final.mp4', 'final-voice.mp4']) {
        if (out === 'final-voice.mp4') await mixFinal(runner, { video: file('joined.mp4'), musicVolume: 0, fadeSec: 0, out: file(out) });
        const printed = await runner.ffmpeg(['-i', file(out), '-map', '0:a:0', '-af', 'ebur128=peak=true:metadata=1,ametadata=mode=print:file=-', '-f', 'null', '-']);
        const last = (key: RegExp) => [...printed.matchAll(key)].map((m) => Number(m[1])).at(-1)!;
        const lufs = last(/lavfi\.r128\.I=(-?[\d.]+)/g);
        const truePeakDb = 20 * Math.log10(Math.max(last(/lavfi\.r128\.true_peaks_ch0=([\d.]+)/g), last(/lavfi\.r128\.true_peaks_ch1=([\d.]+)/g)));
        expect(lufs, `${out} integrated loudness`).to.be.closeTo(-14, 1);
        expect(truePeakDb, `${out} true peak`).to.be.at.most(-1);
      }
    });

    it('remuxes for fast start when there is no music', async () => {
      await mixFinal(runner, { video: file('joined.mp4'), musicVolume: 0, fadeSec: 0, out: file('final-voice.mp4') });
      const boxes = await topLevelBoxes(file('final-voice.mp4'));
      expect(boxes.indexOf('moov')).to.be.below(boxes.indexOf('mdat'));
      expectSegment(await probe(runner, file('final-voice.mp4')), 320, 180, 2.5);
    });
  });
});
