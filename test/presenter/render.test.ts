import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { createMedia, detectSilence, probe } from '../../src/adapters/ffmpeg/index.ts';
import type { HandlerContext, RecordedAsset } from '../../src/handlers/registry.ts';
import type { PipelineDeps } from '../../src/pipeline/deps.ts';
import { makePresenterBroll } from '../../src/presenter/handlers/broll.ts';
import { makePresenterEnhance } from '../../src/presenter/handlers/enhance.ts';
import { makePresenterLipSync } from '../../src/presenter/handlers/lipsync.ts';
import { makePresenterSceneRender } from '../../src/presenter/handlers/scene-render.ts';
import { makePresenterSceneSpeech } from '../../src/presenter/handlers/scene-speech.ts';
import { CLOSE_FACE_SHARE, MEDIUM_FACE_SHARE, posePlacement } from '../../src/presenter/render/pose.ts';
import { composePoseStill, poseBackdrop } from '../../src/presenter/render/still.ts';
import { POSES, type Pose, type PortraitInput, type SceneSpeech, type SceneVideo } from '../../src/presenter/render/types.ts';
import { LocalLibraryProvider } from '../../src/providers/material/local-library.ts';
import { EspeakNgProvider } from '../../src/providers/speech/espeak-ng.ts';
import { concatWav, readWavInfo, silenceWav } from '../../src/providers/speech/wav.ts';
import { bandDifference, decodePicture, type Picture } from '../support/frames.ts';

/** The test portrait's face: a colour no backdrop, caption or body in the picture has. */
const FACE = { x: 200, y: 150, w: 200, h: 260 };
const isFace = ([r, g, b]: [number, number, number]) => r > 200 && g < 90 && b > 120;
const FORMATS = { '9:16': '360x640', '16:9': '640x360' } as const;
/** The test portrait's own backdrop. */
const PORTRAIT_BACKDROP: [number, number, number] = [0x8a, 0x9b, 0xb0];
const rgbDistance = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

function faceBox(p: Picture): { x: number; y: number; w: number; h: number } | undefined {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      if (!isFace(p.at(x, y))) continue;
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

function laplacianVariance(p: Picture): number {
  const luma = (x: number, y: number) => { const [r, g, b] = p.at(x, y); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const values: number[] = [];
  for (let y = 1; y < p.height - 1; y++) for (let x = 1; x < p.width - 1; x++) values.push(luma(x - 1, y) + luma(x + 1, y) + luma(x, y - 1) + luma(x, y + 1) - 4 * luma(x, y));
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
}

describe('presenter render stages', function () {
  this.timeout(180_000);
  let dir: string;
  let deps: PipelineDeps;
  let portrait: PortraitInput;
  let recorded: RecordedAsset[];
  const media = createMedia();
  const ctx = (component: string, input: unknown, inputs: Record<string, unknown> = {}): HandlerContext => ({
    taskId: 't', component, attempt: 1, input, params: {}, inputs, deps: {}, signal: new AbortController().signal, recordAsset: (a) => recorded.push(a),
  });
  const voice = { voice: 'espeak-ng', rate: 1, pitch_semitones: 0 };
  const speak = (narration: string, scene = 1) =>
    makePresenterSceneSpeech(deps)(ctx('SceneSpeech', { item: { scene, kind: 'presenter', narration }, voice })) as Promise<SceneSpeech>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slotflow-prender-'));
    const library = path.join(dir, 'library');
    await rm(library, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(library, { recursive: true }));
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#20c040' } }).png().toFile(path.join(library, 'bike.png'));
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#2040c0' } }).png().toFile(path.join(library, 'sea.png'));
    await writeFile(path.join(library, 'manifest.json'), JSON.stringify({ items: [
      { file: 'bike.png', kind: 'image', tags: ['bicycle', 'bike'], width: 640, height: 480 },
      { file: 'sea.png', kind: 'image', tags: ['ocean', 'sea'], width: 640, height: 480 },
    ] }));
    deps = { assets: new AssetStore(path.join(dir, 'data')), media, speech: [new EspeakNgProvider()], material: [new LocalLibraryProvider({ dir: library, fill: false })] };
    const file = path.join(dir, 'portrait.png');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800">
      <rect width="600" height="800" fill="#8a9bb0"/>
      <path d="M60 800 C 80 560, 520 560, 540 800 Z" fill="#2a3550"/>
      <rect x="255" y="390" width="90" height="120" fill="#c79a7e"/>
      <ellipse cx="${FACE.x + FACE.w / 2}" cy="${FACE.y + FACE.h / 2}" rx="${FACE.w / 2}" ry="${FACE.h / 2}" fill="#f01cb4"/>
      <ellipse cx="260" cy="260" rx="18" ry="12" fill="#ffffff"/><ellipse cx="340" cy="260" rx="18" ry="12" fill="#ffffff"/>
      <rect x="250" y="340" width="100" height="14" rx="7" fill="#600030"/></svg>`;
    await sharp(Buffer.from(svg)).png().toFile(file);
    portrait = { path: file, width: 600, height: 800, face: FACE };
  });
  beforeEach(() => {
    recorded = [];
  });
  after(async () => {
    await media.runner.settled();
    await rm(dir, { recursive: true, force: true });
  });

  it('speaks the narration with the voice profile, with word timings', async () => {
    const speech = await speak('Welcome to the studio. Today we try something new.');
    expect(speech.provider).to.equal('espeak-ng');
    expect(speech.sentences).to.have.length(2);
    expect(speech.sentences[0]!.words.map((w) => w.text)).to.deep.equal(['Welcome', 'to', 'the', 'studio.']);
    expect((await readWavInfo(speech.audio)).durationSec).to.be.closeTo(speech.duration_sec, 0.01);
    const slower = await makePresenterSceneSpeech(deps)(ctx('SceneSpeech', { item: { scene: 1, kind: 'presenter', narration: 'Welcome to the studio. Today we try something new.' }, voice: { ...voice, rate: 0.7 } })) as SceneSpeech;
    expect(slower.duration_sec).to.be.above(speech.duration_sec * 1.2);
  });

  it('refuses a scene without narration and a portrait whose face box is outside it, before any work', async () => {
    const render = makePresenterSceneRender(deps);
    const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);
    expect(await codeOf(render(ctx('SceneRender', { item: { scene: 1, kind: 'presenter', narration: ' ' }, portrait })))).to.equal('invalid-presenter-scene');
    expect(await codeOf(render(ctx('SceneRender', { item: { scene: 1, kind: 'presenter', narration: 'Hi.' }, portrait: { ...portrait, face: { x: 500, y: 0, w: 200, h: 100 } } })))).to.equal('invalid-presenter-portrait');
    expect(recorded).to.have.length(0);
  });

  it('renders every pose in 9:16 and 16:9 with the face where the pose puts it (contact sheet /tmp/presenter-poses.png)', async () => {
    const speech = await speak('Our new bicycle is light and fast.');
    const render = makePresenterSceneRender(deps);
    const tiles: Buffer[] = [];
    let besideChecked = 0;
    for (const [format, size] of Object.entries(FORMATS)) {
      for (const pose of POSES) {
        const out = await render(ctx('SceneRender', { item: { scene: 1, kind: 'presenter', pose, narration: 'Our new bicycle is light and fast.' }, portrait, options: { format, size } }, { speech })) as SceneVideo;
        const [w, h] = size.split('x').map(Number) as [number, number];
        const info = await probe(media.runner, out.segment);
        expect([info.video?.codec, info.audio?.codec, info.video?.width, info.video?.height]).to.deep.equal(['h264', 'aac', w, h]);
        expect(info.durationSec).to.be.closeTo(speech.duration_sec, 0.1);
        expect(out.metadata).to.include({ lip_sync: false, pose });
        const frame = await decodePicture(media.runner, out.segment, path.join(dir, 'frame.bmp'), 0.02);
        const found = faceBox(frame);
        expect(found, `${pose} ${format}: face visible`).to.not.equal(undefined);
        const target = posePlacement(pose as Pose, portrait, { width: w, height: h }).face;
        const tol = 0.04 * Math.max(w, h);
        expect(found!.x, `${pose} ${format} x`).to.be.closeTo(Math.max(0, target.x), tol);
        expect(found!.y, `${pose} ${format} y`).to.be.closeTo(Math.max(0, target.y), tol);
        expect(found!.h, `${pose} ${format} h`).to.be.closeTo(Math.min(h, target.y + target.h) - Math.max(0, target.y), tol);
        if (pose === 'close') expect(found!.h / h).to.be.closeTo(CLOSE_FACE_SHARE, 0.05);
        if (pose === 'medium') expect(found!.h / h).to.be.closeTo(MEDIUM_FACE_SHARE, 0.04);
        if (pose === 'wide') expect(found!.h / h).to.be.below(MEDIUM_FACE_SHARE);
        if (pose === 'side') expect(h > w ? (found!.y + found!.h / 2) / h : (found!.x + found!.w / 2) / w).to.be.below(1 / 3);
        // Beside the face, just outside the person: the scene's backdrop, not the portrait's own backdrop pasted on as a box.
        const margin = Math.round(0.03 * Math.max(w, h));
        const beside = [found!.x - margin, found!.x + found!.w + margin].find((x) => x >= 0 && x < w);
        if (beside !== undefined) {
          const y = Math.round(found!.y + found!.h / 2);
          const backdrop = await sharp(await poseBackdrop(portrait, pose as Pose, { width: w, height: h })).raw().toBuffer();
          const expected = [...backdrop.subarray((y * w + beside) * 3, (y * w + beside) * 3 + 3)];
          const seen = frame.at(beside, y);
          expect(rgbDistance(seen, expected), `${pose} ${format}: backdrop beside the face ${seen} (backdrop ${expected})`).to.be.below(20);
          expect(rgbDistance(seen, PORTRAIT_BACKDROP), `${pose} ${format}: not the portrait's own backdrop`).to.be.above(40);
          besideChecked++;
        }
        const png = path.join(dir, `${pose}-${format.replace(':', 'x')}.png`);
        await media.runner.ffmpeg(['-ss', '1.2', '-i', out.segment, '-frames:v', '1', '-vf', 'scale=320:320:force_original_aspect_ratio=decrease,pad=320:320:(ow-iw)/2:(oh-ih)/2', '-update', '1', png]);
        tiles.push(await sharp(png).toBuffer());
      }
    }
    await sharp({ create: { width: 320 * 4, height: 320 * 2, channels: 3, background: '#000' } })
      .composite(tiles.map((input, i) => ({ input, left: (i % 4) * 320, top: Math.floor(i / 4) * 320 }))).png().toFile('/tmp/presenter-poses.png');
    expect(besideChecked, 'poses with room beside the face').to.be.at.least(6);
  });

  it('fills the pose\'s region with a portrait on a busy backdrop instead of pasting it on as a box', async () => {
    const blocks = Array.from({ length: 48 }, (_, i) => `<rect x="${(i % 8) * 75}" y="${Math.floor(i / 8) * 134}" width="75" height="134" fill="hsl(${(i * 67) % 360},70%,${35 + (i * 13) % 40}%)"/>`).join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800">${blocks}
      <ellipse cx="${FACE.x + FACE.w / 2}" cy="${FACE.y + FACE.h / 2}" rx="${FACE.w / 2}" ry="${FACE.h / 2}" fill="#f01cb4"/></svg>`;
    const file = path.join(dir, 'busy.png');
    await sharp(Buffer.from(svg)).png().toFile(file);
    const busy: PortraitInput = { path: file, width: 600, height: 800, face: FACE };
    for (const pose of POSES) {
      for (const frame of [{ width: 640, height: 360 }, { width: 360, height: 640 }]) {
        const still = await composePoseStill(busy, pose, frame, path.join(dir, `busy-${pose}.png`));
        const r = still.region;
        expect(still.cutout, pose).to.equal(false);
        expect(still.left, pose).to.be.at.most(r.x);
        expect(still.top, pose).to.be.at.most(r.y);
        expect(still.left + busy.width * still.scale, pose).to.be.at.least(r.x + r.w);
        expect(still.top + busy.height * still.scale, pose).to.be.at.least(r.y + r.h);
      }
    }
    const plain = await composePoseStill(portrait, 'wide', { width: 640, height: 360 }, path.join(dir, 'plain-wide.png'));
    expect(plain.cutout).to.equal(true);
  });

  it('moves with the speech: frames change more while the presenter speaks than in a measured pause', async () => {
    const a = await speak('Listen to this, it is really exciting news.');
    const b = await speak('And now we carry on talking about it.');
    const pause = path.join(dir, 'pause.wav');
    await silenceWav(1.6, await readWavInfo(a.audio), pause);
    const joined = path.join(dir, 'joined.wav');
    const parts = await concatWav([a.audio, pause, b.audio], joined);
    const shift = parts.parts[2]!.startSec;
    const speech: SceneSpeech = {
      ...a, audio: joined, duration_sec: parts.durationSec,
      sentences: [...a.sentences, ...b.sentences.map((s) => ({ ...s, start_sec: s.start_sec + shift, end_sec: s.end_sec + shift, words: s.words.map((w) => ({ ...w, start_sec: w.start_sec + shift, end_sec: w.end_sec + shift })) }))],
    };
    const silences = (await detectSilence(media.runner, joined, { minSec: 1 })).filter((s) => s.startSec > 0.3 && s.endSec < parts.durationSec - 0.3);
    expect(silences, 'the measured pause').to.have.length(1);
    const [gap] = silences;
    expect(gap!.endSec - gap!.startSec).to.be.at.least(1.5);
    const out = await makePresenterSceneRender(deps)(ctx('SceneRender', { item: { scene: 1, kind: 'presenter', pose: 'close', narration: 'x', captions: false }, portrait, options: { format: '16:9', size: '640x360' } }, { speech })) as SceneVideo;
    const diffAt = async (t: number) => {
      const p = await decodePicture(media.runner, out.segment, path.join(dir, `p${t}.bmp`), t);
      const q = await decodePicture(media.runner, out.segment, path.join(dir, `q${t}.bmp`), t + 1 / 30);
      return bandDifference(p, q);
    };
    const mean = async (times: number[]) => (await Promise.all(times.map(diffAt))).reduce((s, v) => s + v, 0) / times.length;
    const speaking = await mean([0.4, 0.7, 1.0, 1.3, 1.6].filter((t) => t < gap!.startSec - 0.1));
    const inPause = await mean([0.5, 0.8, 1.1].map((d) => gap!.startSec + d).filter((t) => t < gap!.endSec - 0.1));
    console.log(`      frame-to-frame difference: speaking ${speaking.toFixed(3)}, pause ${inPause.toFixed(3)}`);
    expect(speaking).to.be.above(inPause * 2);
  });

  it('shows the b-roll visual chosen by the scene\'s words under the narration', async () => {
    const narration = 'The bicycle is waiting by the door.';
    const speech = await speak(narration, 2);
    const out = await makePresenterBroll(deps)(ctx('BRoll', { item: { scene: 2, kind: 'broll', narration }, options: { format: '16:9', size: '640x360' } }, { speech })) as SceneVideo;
    expect(out.kind).to.equal('broll');
    expect(out.metadata.visual).to.include({ source: 'library', term: 'bicycle' });
    const frame = await decodePicture(media.runner, out.segment, path.join(dir, 'b.bmp'), 0.5);
    const [r, g, b] = frame.at(320, 100);
    expect(g).to.be.above(150);
    expect(r).to.be.below(80);
    expect(b).to.be.below(100);
    const info = await probe(media.runner, out.segment);
    expect(info.durationSec).to.be.closeTo(speech.duration_sec, 0.1);
    const passed = await makePresenterLipSync(deps, undefined)(ctx('LipSync', {}, { speech, broll: out })) as SceneVideo;
    expect(passed.segment).to.equal(out.segment);
    expect(passed.metadata.lip_sync).to.equal(false);
  });

  it('enhances to -14 LUFS (±1), at most -1 dBTP, and sharper than its input', async () => {
    const speech = await speak('Here is the final video of our presenter.');
    const scene = await makePresenterSceneRender(deps)(ctx('SceneRender', { item: { scene: 1, kind: 'presenter', pose: 'medium', narration: 'x' }, portrait, options: { format: '16:9', size: '640x360' } }, { speech })) as SceneVideo;
    recorded = [];
    const out = await makePresenterEnhance(deps)(ctx('Enhance', {}, { video: { video: scene.segment } })) as { video: string };
    expect(recorded.map((r) => r.kind)).to.deep.equal(['video']);
    const printed = await media.runner.ffmpeg(['-i', out.video, '-map', '0:a:0', '-af', 'ebur128=peak=true:metadata=1,ametadata=mode=print:file=-', '-f', 'null', '-']);
    const last = (key: RegExp) => [...printed.matchAll(key)].map((m) => Number(m[1])).at(-1)!;
    const lufs = last(/lavfi\.r128\.I=(-?[\d.]+)/g);
    const peak = 20 * Math.log10(Math.max(last(/lavfi\.r128\.true_peaks_ch0=([\d.]+)/g), last(/lavfi\.r128\.true_peaks_ch1=([\d.]+)/g)));
    const before = laplacianVariance(await decodePicture(media.runner, scene.segment, path.join(dir, 'e1.bmp'), 1));
    const after = laplacianVariance(await decodePicture(media.runner, out.video, path.join(dir, 'e2.bmp'), 1));
    console.log(`      enhanced: ${lufs} LUFS, true peak ${peak.toFixed(2)} dBTP, Laplacian variance ${before.toFixed(1)} -> ${after.toFixed(1)}`);
    expect(lufs).to.be.closeTo(-14, 1);
    expect(peak).to.be.at.most(-1);
    expect(after).to.be.above(before);
    const info = await probe(media.runner, out.video);
    expect([info.video?.codec, info.audio?.codec]).to.deep.equal(['h264', 'aac']);
  });
});
