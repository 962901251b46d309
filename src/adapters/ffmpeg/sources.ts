/**
 * Generated sources: the seeded background gradient (a still) and the
 * seeded ambient music bed. The same seed gives the same picture and the
 * same sound; the numbers come from the project's one seeded generator.
 */
import path from 'node:path';
import { seededRandom } from '../../core/random.ts';
import { AUDIO_CHANNELS, AUDIO_SAMPLE_RATE, audioOutputArgs, checkDuration, checkSize, FPS, num, samples } from './encoding.ts';
import { escapeFilterValue } from './escape.ts';
import type { FfmpegRunner, RunOptions } from './run.ts';

/**
 * Backgrounds are computed this many times smaller, then scaled up: smooth and cheap. The glows are
 * wide, so 16 loses nothing 8 had: 54–55 dB PSNR between the two at 1080×1920, and 0.18 instead of
 * 0.32 cpu s a background (`geq` evaluates its expression per pixel).
 */
const BACKGROUND_DOWNSCALE = 16;

/** Music: chords of this length, this many to a loop; frequencies snap to the loop so it repeats seamlessly. */
const MUSIC_CHORD_SEC = 4;
const MUSIC_CHORDS = 4;
/**
 * The bed's expression is evaluated at this rate, then resampled. Its highest
 * partial is under 2 kHz (the second harmonic of a note at most 31 semitones
 * above E3), so 8 kHz holds it without aliasing; measured against 24 kHz:
 * 0.27 instead of 0.66 cpu s for a 16 s loop, 45 dB SNR between the two.
 */
const MUSIC_SYNTH_RATE = 8_000;
const MUSIC_GAIN = 1;
const MUSIC_TREMOLO_HZ = 0.25;
const MUSIC_FADE_IN_SEC = 2;
const MUSIC_FADE_OUT_SEC = 3;

type Rgb = [number, number, number];

function hsl(h: number, s: number, l: number): Rgb {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

/**
 * A filter chain that produces one frame: two dark colours blended along a
 * seeded angle, with two soft light glows. Computed with `geq` on a frame
 * `BACKGROUND_DOWNSCALE` times smaller and scaled up, which keeps it smooth.
 */
export function gradientSource(width: number, height: number, seed: number): string {
  const random = seededRandom(seed);
  const hue = random() * 360;
  const from = hsl(hue, 0.55 + random() * 0.2, 0.18 + random() * 0.08);
  const to = hsl((hue + 40 + random() * 80) % 360, 0.5 + random() * 0.2, 0.34 + random() * 0.1);
  const glow = hsl((hue + 20 + random() * 40) % 360, 0.6, 0.62);
  const angle = random() * 2 * Math.PI;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const glows = [0, 1].map(() => ({ x: 0.15 + random() * 0.7, y: 0.15 + random() * 0.7, r: 0.18 + random() * 0.2 }));
  const aspect = width / height;

  const lw = Math.max(8, Math.round(width / BACKGROUND_DOWNSCALE));
  const lh = Math.max(8, Math.round(height / BACKGROUND_DOWNSCALE));
  const t = `clip(0.5+((X/W-0.5)*${num(cos)}+(Y/H-0.5)*${num(sin)})*1.1,0,1)`;
  const smooth = `(${t})*(${t})*(3-2*(${t}))`;
  const light = glows
    .map((g) => `0.22*exp(-(pow((X/W-${num(g.x)})*${num(aspect)},2)+pow(Y/H-${num(g.y)},2))/${num(g.r * g.r)})`)
    .join('+');
  const channel = (i: 0 | 1 | 2) => {
    const base = `(${from[i]}+${to[i] - from[i]}*${smooth})`;
    return escapeFilterValue(`${base}+(${glow[i]}-${base})*(${light})`);
  };
  return [
    `nullsrc=s=${lw}x${lh}:r=${FPS}`,
    'trim=end_frame=1',
    'format=gbrp',
    `geq=r=${channel(0)}:g=${channel(1)}:b=${channel(2)}`,
    `scale=${width}:${height}:flags=bicubic`,
  ].join(',');
}


export interface BackgroundOptions extends RunOptions {
  width: number;
  height: number;
  seed: number;
  out: string;
}

/** A PNG: a soft two-colour gradient with light glows, the same for the same seed. */
export async function generateBackground(runner: FfmpegRunner, options: BackgroundOptions): Promise<void> {
  const { width, height, seed, out } = options;
  checkSize(width, height);
  await runner.ffmpeg(
    [
      '-filter_complex', `${gradientSource(width, height, seed)},format=rgb24[v]`,
      '-map', '[v]',
      '-frames:v', '1',
      '-f', 'image2',
      '-update', '1',
      path.resolve(out),
    ],
    { signal: options.signal },
  );
}


export interface MusicOptions extends RunOptions {
  durationSec: number;
  seed: number;
  /** Its character: chord length, major or minor, brightness. Default `DEFAULT_MUSIC_MOOD`. */
  mood?: MusicMoodOptions;
  /** `.wav` gives 16-bit PCM; any other extension AAC in MP4 (`.m4a`). */
  out: string;
}

export interface MusicMoodOptions {
  /** Multiplies each chord's length: above 1 is slower. */
  chordStretch: number;
  /** Minor progressions instead of major ones. */
  minor: boolean;
  /** The low-pass cut-off in Hz: higher is brighter. */
  brightnessHz: number;
  /** Octaves above the usual register (the bed's partials sit below 1 kHz, so the cut-off alone changes little). */
  octave: number;
}

export const DEFAULT_MUSIC_MOOD: MusicMoodOptions = { chordStretch: 1, minor: false, brightnessHz: 2500, octave: 0 };

/** Minor progressions, as `PROGRESSIONS`. */
const MINOR_PROGRESSIONS: readonly (readonly (readonly number[])[])[] = [
  [[0, 3, 7], [8, 12, 15], [3, 7, 10], [10, 14, 17]], // i VI III VII
  [[0, 3, 7], [5, 8, 12], [7, 10, 14], [0, 3, 7]], // i iv v i
];

/** Chord progressions as semitone offsets from the key's root, one triad per chord. */
const PROGRESSIONS: readonly (readonly (readonly number[])[])[] = [
  [[0, 4, 7], [7, 11, 14], [9, 12, 16], [5, 9, 12]], // I V vi IV
  [[9, 12, 16], [5, 9, 12], [0, 4, 7], [7, 11, 14]], // vi IV I V
  [[0, 4, 7], [9, 12, 16], [5, 9, 12], [7, 11, 14]], // I vi IV V
  [[0, 4, 11], [5, 9, 16], [9, 12, 19], [7, 11, 17]], // Imaj7-ish, IVmaj7-ish: airier
  [[2, 5, 9], [7, 11, 14], [0, 4, 7], [0, 5, 7]], // ii V I Isus4
];

/**
 * The ambient bed as one `aevalsrc` expression over one loop of
 * `MUSIC_CHORDS` chords. Each chord fades in and out with a raised-cosine
 * window that overlaps its neighbours (the windows sum to one), and every
 * frequency is snapped to a whole number of cycles per loop, so the loop
 * repeats without a seam.
 */
function musicExpression(seed: number, mood: MusicMoodOptions): string {
  const random = seededRandom(seed);
  const progressions = mood.minor ? MINOR_PROGRESSIONS : PROGRESSIONS;
  const progression = progressions[Math.floor(random() * progressions.length)] ?? progressions[0]!;
  const rootMidi = 45 + Math.floor(random() * 8) + 12 * mood.octave; // A2..E3 in the usual register
  const chordSec = MUSIC_CHORD_SEC * mood.chordStretch;
  const loopSec = chordSec * MUSIC_CHORDS;
  const snap = (hz: number) => Math.max(1, Math.round(hz * loopSec)) / loopSec;
  const hz = (midi: number) => snap(440 * 2 ** ((midi - 69) / 12));
  const tone = (f: number, amp: number) => `${num(amp)}*(sin(2*PI*${num(f)}*t)+0.2*sin(4*PI*${num(f)}*t))`;

  const chords = progression.slice(0, MUSIC_CHORDS).map((triad, k) => {
    const notes = [tone(hz(rootMidi + (triad[0] ?? 0) - 12), 0.5), ...triad.map((step) => tone(hz(rootMidi + 12 + step), 0.3))];
    // Distance from this chord's centre, in chord lengths, wrapped around the loop.
    // `;` sequences: store the distance in variable k, then use it.
    const distance = `st(${k},mod(t/${num(chordSec)}-${k + 0.5}+${MUSIC_CHORDS / 2},${MUSIC_CHORDS})-${MUSIC_CHORDS / 2})`;
    return `(${distance};if(lt(abs(ld(${k})),1),pow(cos(PI*ld(${k})/2),2)*(${notes.join('+')}),0))`;
  });
  const tremolo = `(0.8+0.2*sin(2*PI*${num(snap(MUSIC_TREMOLO_HZ))}*t))`;
  return `${num(MUSIC_GAIN)}*${tremolo}*(${chords.join('+')})`;
}

/**
 * A soft generated ambient bed: slow sine chords with tremolo and echo, faded
 * in and out, the same for the same seed. It sits around -20 dBFS mean, -7
 * peak; `mixFinal`'s `musicVolume` sets it under the voice.
 */
export async function synthesizeMusic(runner: FfmpegRunner, options: MusicOptions): Promise<void> {
  const { durationSec, seed, out } = options;
  const mood = options.mood ?? DEFAULT_MUSIC_MOOD;
  checkDuration(durationSec);
  if (!(mood.chordStretch > 0) || !(mood.brightnessHz > 0)) throw new RangeError('mood.chordStretch and mood.brightnessHz must be positive');
  const loopSec = MUSIC_CHORD_SEC * mood.chordStretch * MUSIC_CHORDS;
  const fadeIn = Math.min(MUSIC_FADE_IN_SEC, durationSec / 2);
  const fadeOut = Math.min(MUSIC_FADE_OUT_SEC, durationSec / 2);
  const chain = [
    // The expression is evaluated per sample, which is slow: compute one loop at most and repeat it.
    `aevalsrc=${escapeFilterValue(musicExpression(seed, mood))}:s=${MUSIC_SYNTH_RATE}:d=${num(Math.min(loopSec, durationSec))}`,
    ...(durationSec > loopSec ? [`aloop=loop=-1:size=${samples(loopSec, MUSIC_SYNTH_RATE)}`] : []),
    `atrim=end_sample=${samples(durationSec, MUSIC_SYNTH_RATE)}`,
    `aresample=${AUDIO_SAMPLE_RATE}`,
    `lowpass=f=${num(mood.brightnessHz)}`,
    `aformat=sample_fmts=fltp:sample_rates=${AUDIO_SAMPLE_RATE}:channel_layouts=stereo`,
    `aecho=0.8:0.5:${escapeFilterValue('120|250')}:${escapeFilterValue('0.25|0.15')}`,
    `afade=t=in:d=${num(fadeIn)}`,
    `afade=t=out:st=${num(durationSec - fadeOut)}:d=${num(fadeOut)}`,
  ].join(',');
  const wav = path.extname(out).toLowerCase() === '.wav';
  await runner.ffmpeg(
    [
      '-filter_complex', `${chain}[a]`,
      '-map', '[a]',
      ...(wav ? ['-c:a', 'pcm_s16le', '-ar', String(AUDIO_SAMPLE_RATE), '-ac', String(AUDIO_CHANNELS), '-f', 'wav'] : [...audioOutputArgs(), '-f', 'mp4']),
      '-t', num(durationSec),
      path.resolve(out),
    ],
    { signal: options.signal },
  );
}

