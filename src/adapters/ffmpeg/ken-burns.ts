/**
 * The Ken Burns move of a still scene: a slow zoom in or out and a drift
 * between two seeded points, as a filter chain from the decoded image to
 * `frames` frames of the output size.
 *
 * Three ways to draw the same move, by what the picture is:
 *
 * - A photo: zoompan over the image covered at twice the output size.
 *   zoompan places its crop window in steps of two pixels on yuv420p;
 *   from an image twice the size a step is one output pixel, so the motion
 *   does not judder. Measured on 1080×1920: at output size it is about a
 *   third faster for image scenes, with visible two-pixel steps on slow pans.
 * - A smooth picture (a generated gradient): zoompan at output size. A
 *   two-pixel step cannot be seen on it: shifted by 2 px the backgrounds
 *   differ from themselves by 55–60 dB PSNR (under half a level), photos by
 *   30–40 dB; a 5 s scene takes 2.7 instead of 3.2 cpu s, at the same size,
 *   51 dB from the oversampled render.
 * - A drawn picture (an illustration, typography: flat colours and sharp
 *   edges, already the frame's size): the still repeated, each frame scaled
 *   up by the zoom, then the frame cut out at whole output pixels. Its steps
 *   are one output pixel, as from the oversampled zoompan, for the cost of
 *   moving at output size. Measured on a 5.8 s 1080×1920 illustration scene:
 *   3.1–3.4 instead of 3.8–4.2 cpu s, the file 6 % larger. The drift from
 *   frame to frame is as steady as from the oversampled zoompan (on a photo
 *   scene, the frame-to-frame shift measured by phase correlation varied by
 *   0.13 px, against 0.12; zoompan at output size: 0.75, with 2 px jumps).
 *   On a photo it made the file 28 % larger (fine texture resampled at a new
 *   phase every frame), so photos keep the oversampled zoompan. The
 *   scale filter's frame number (`n`, with `eval=frame`) came with ffmpeg
 *   5.0; older builds (the packaged 4.1) move drawn pictures like photos.
 */
import { seededRandom } from '../../core/random.ts';
import type { Capabilities } from './capabilities.ts';
import { coverFilters, FPS, num } from './encoding.ts';
import { escapeFilterValue } from './escape.ts';

/** The zoom travels between 1 and 1 + this over a scene. */
const KEN_BURNS_ZOOM = 0.1;
const OVERSAMPLE_PHOTO = 2;
const OVERSAMPLE_SMOOTH = 1;
/**
 * The scaler of a drawn picture's move. It enlarges by at most 1 + `KEN_BURNS_ZOOM`, where bilinear and bicubic
 * differ by little: on a 1080×1920 illustration scene with its key phrase, 50 dB PSNR between the two, the edges of
 * the type the same to the eye side by side, and about 0.1–0.2 cpu s less a 6 s scene (load 18).
 */
const DRAWN_SCALER = 'bilinear';
/** libavcodec of ffmpeg 5.0, the first release whose scale filter knows the frame number under `eval=frame`. */
const SCALE_FRAME_NUMBER_SINCE: readonly [number, number] = [59, 18];

/** What the still is, which decides how it is moved (see the module comment). */
export type StillKind = 'photo' | 'smooth' | 'drawn';

interface Move {
  zoomIn: boolean;
  from: readonly [number, number];
  to: readonly [number, number];
}

function seededMove(seed: number): Move {
  const random = seededRandom(seed);
  const zoomIn = random() < 0.5;
  const [x0, y0, x1, y1] = [random(), random(), random(), random()].map((v) => 0.2 + v * 0.6) as [number, number, number, number];
  return { zoomIn, from: [x0, y0], to: [x1, y1] };
}

/** The zoom, and the window's place as a share (0..1) of the room it has, at `progress`: an expression from 0 to 1. */
function moveAt(move: Move, progress: string): { zoom: string; x: string; y: string } {
  const [[x0, y0], [x1, y1]] = [move.from, move.to];
  return {
    zoom: move.zoomIn ? `1+${num(KEN_BURNS_ZOOM)}*${progress}` : `${num(1 + KEN_BURNS_ZOOM)}-${num(KEN_BURNS_ZOOM)}*${progress}`,
    x: `${num(x0)}+${num(x1 - x0)}*${progress}`,
    y: `${num(y0)}+${num(y1 - y0)}*${progress}`,
  };
}

/** `at`: that frame of the move alone (one output frame); otherwise all `frames`. */
function zoompan(width: number, height: number, frames: number, move: Move, at?: number): string {
  const m = moveAt(move, `${at ?? 'on'}/${Math.max(1, frames - 1)}`);
  const x = `(iw-iw/zoom)*(${m.x})`;
  const y = `(ih-ih/zoom)*(${m.y})`;
  return `zoompan=z=${escapeFilterValue(m.zoom)}:x=${escapeFilterValue(x)}:y=${escapeFilterValue(y)}:d=${at === undefined ? frames : 1}:s=${width}x${height}:fps=${FPS}`;
}

/**
 * From an image already `width`×`height`: repeated, scaled up by the zoom each frame, cut out at whole pixels
 * (`exact`: steps of one pixel, not two). crop's `iw` and `ih` keep the size of its first frame, so the scaled
 * size is computed again in its own expressions.
 */
function scaleAndCrop(width: number, height: number, frames: number, move: Move, at?: number): string[] {
  const m = moveAt(move, `${at ?? 'n'}/${Math.max(1, frames - 1)}`);
  const scaledWidth = `ceil(${width}*(${m.zoom}))`;
  const scaledHeight = `ceil(${height}*(${m.zoom}))`;
  return [
    ...(at === undefined ? [`loop=loop=${frames - 1}:size=1:start=0`, `settb=1/${FPS}`, 'setpts=N'] : []),
    `scale=w=${escapeFilterValue(scaledWidth)}:h=${escapeFilterValue(scaledHeight)}${at === undefined ? ':eval=frame' : ''}:flags=${DRAWN_SCALER}`,
    `crop=w=${width}:h=${height}:x=${escapeFilterValue(`(${scaledWidth}-${width})*(${m.x})`)}:y=${escapeFilterValue(`(${scaledHeight}-${height})*(${m.y})`)}:exact=1`,
  ];
}

function scalesPerFrame(build: Capabilities): boolean {
  const [major, minor] = build.libavcodec;
  const [sinceMajor, sinceMinor] = SCALE_FRAME_NUMBER_SINCE;
  return build.known && (major > sinceMajor || (major === sinceMajor && minor >= sinceMinor));
}

/**
 * The chain from a decoded still to `frames` frames of `width`×`height` moving by the seeded move, square pixels.
 * With `at`, only frame `at` of that move, as one frame: the same pixels (the same scale and crop of the same image),
 * without running the move up to it, so a scene's still needs no branch of the scene's own graph (see `renderScene`).
 */
export function kenBurnsFilters(build: Capabilities, kind: StillKind, width: number, height: number, frames: number, seed: number, at?: number): string[] {
  const move = seededMove(seed);
  if (kind === 'drawn' && scalesPerFrame(build)) return [...coverFilters(width, height), ...scaleAndCrop(width, height, frames, move, at), 'setsar=1'];
  const oversample = kind === 'smooth' ? OVERSAMPLE_SMOOTH : OVERSAMPLE_PHOTO;
  return [...coverFilters(width * oversample, height * oversample), zoompan(width, height, frames, move, at), 'setsar=1'];
}

/**
 * Moves for composed pictures whose text runs close to the edges (a product scene's headline and labels): each
 * crops at most a few percent of any edge, where the Ken Burns move's drift may crop a tenth.
 *
 * - A push: a slow zoom from the whole picture to `PUSH_ZOOM`, centred.
 * - A handheld camera: the picture held a little closer (`HANDHELD_ZOOM`), swaying in two slow waves on each axis
 *   (less up and down than sideways, so a headline at the top stays whole) and breathing a little in and out,
 *   seeded, as a phone held at arm's length moves.
 *
 * Both are drawn from the image covered at twice the output size, as photos are, so they do not judder.
 */
const PUSH_ZOOM = 1.04;
const HANDHELD_ZOOM = 1.035;
const HANDHELD_BREATH = 0.005;
/** Sway periods in seconds (a slow drift and a quicker wobble) and their shares of the room the zoom leaves, sideways. */
const HANDHELD_WAVES: ReadonlyArray<{ periodSec: number; share: number }> = [{ periodSec: 2.6, share: 0.3 }, { periodSec: 1.1, share: 0.12 }];
/** Up and down the sway is this much of the sideways one. */
const HANDHELD_VERTICAL = 0.5;

function oversampledZoompan(width: number, height: number, frames: number, zoom: string, x: string, y: string, at?: number): string[] {
  const zp = `zoompan=z=${escapeFilterValue(zoom)}:x=${escapeFilterValue(x)}:y=${escapeFilterValue(y)}:d=${at === undefined ? frames : 1}:s=${width}x${height}:fps=${FPS}`;
  return [...coverFilters(width * OVERSAMPLE_PHOTO, height * OVERSAMPLE_PHOTO), zp, 'setsar=1'];
}

export function pushInFilters(width: number, height: number, frames: number, at?: number): string[] {
  const zoom = `1+${num(PUSH_ZOOM - 1)}*(${at ?? 'on'})/${Math.max(1, frames - 1)}`;
  return oversampledZoompan(width, height, frames, zoom, '(iw-iw/zoom)/2', '(ih-ih/zoom)/2', at);
}

export function handheldFilters(width: number, height: number, frames: number, seed: number, at?: number): string[] {
  const random = seededRandom(seed);
  const t = `(${at ?? 'on'})/${FPS}`;
  const wave = (scale: number) => HANDHELD_WAVES.map((w) => `${num(w.share * scale)}*sin(${num((2 * Math.PI) / w.periodSec)}*${t}+${num(random() * 2 * Math.PI)})`).join('+');
  const zoom = `${num(HANDHELD_ZOOM)}+${num(HANDHELD_BREATH)}*sin(${num((2 * Math.PI) / 3.7)}*${t}+${num(random() * 2 * Math.PI)})`;
  return oversampledZoompan(width, height, frames, zoom, `(iw-iw/zoom)*(0.5+${wave(1)})`, `(ih-ih/zoom)*(0.5+${wave(HANDHELD_VERTICAL)})`, at);
}
