/**
 * Word timings for speech whose engine does not say when each word is
 * spoken: aligned on the synthesized audio itself. Pure functions over PCM
 * samples and the sentence's text, no ffmpeg run, cheap enough for every
 * sentence of a render (one pass over the samples, then a small search).
 *
 * How: the samples become a loudness envelope of 5 ms frames; the speech
 * runs from the first to the last loud frame (the onset and end), and every
 * run of quiet frames inside it is a pause (at least `MIN_PAUSE_SEC`) or a
 * gap (at least `MIN_GAP_SEC`). Each word gets a length estimated from its
 * letters and syllables (a Han character counts one syllable). A quiet run
 * falls between two words or inside one (a stop consonant's closure); which
 * runs are word boundaries is chosen by dynamic programming so that the
 * stretches of speech between them last as long as the words assigned to
 * them are expected to, at the sentence's own rate. Within a stretch, words
 * share its time by their lengths.
 */

import type { SpokenWord } from '../types.ts';
import { parseWavHeader, type WavInfo } from './wav.ts';

/** Envelope frame length. */
export const ALIGN_FRAME_SEC = 0.005;
/** A quiet run at least this long inside the speech is a pause that may separate words. */
export const MIN_PAUSE_SEC = 0.12;
/** A shorter quiet run, at least this long, may be a boundary too (or a stop consonant's closure inside a word). */
export const MIN_GAP_SEC = 0.015;
/** A frame is quiet below this share of the sentence's loudest frame (about −30 dB). */
const QUIET_SHARE_OF_PEAK = 0.03;
/** …and always below this absolute RMS (−60 dBFS), so near-silence counts as silence. */
const ABSOLUTE_QUIET_RMS = 0.001;
/**
 * Estimated length of a word: a base, each syllable, and each letter, in
 * arbitrary units. Short words take longer than their letters say (a word
 * has an onset and a release whatever its length), hence the large base.
 */
const WORD_BASE_WEIGHT = 0.5;
const SYLLABLE_WEIGHT = 0.5;
const LETTER_WEIGHT = 0.25;
/** A Han character is a word of one syllable of about two letters. */
const HAN_WEIGHT = WORD_BASE_WEIGHT + SYLLABLE_WEIGHT + 2 * LETTER_WEIGHT;
/** Each digit is read as a word of about one and a half syllables. */
const DIGIT_WEIGHT = WORD_BASE_WEIGHT + 1.5 * SYLLABLE_WEIGHT + 4 * LETTER_WEIGHT;

/**
 * The fit's costs, in seconds. A stretch of speech whose words are expected
 * to take e seconds and take t costs (t − e)² / (e + STRETCH_SLACK_SEC): long
 * stretches may be off by more. Leaving a quiet run inside a word costs
 * IGNORED_RUN_COST plus IGNORED_RUN_COST_PER_SEC for each second of it: a
 * quiet run is more often a boundary than a stop consonant's closure, and the
 * longer it is the more so. Set on espeak-ng speech with known word onsets
 * (test/speech/align.test.ts).
 */
const STRETCH_SLACK_SEC = 0.2;
/** A quiet run is tried as a boundary only before words whose even-rate estimate is this near it (or this share of the sentence). */
const BOUNDARY_BAND_SEC = 1.5;
const BOUNDARY_BAND_SHARE = 0.25;
/** At most this many quiet runs in a row are left inside words (a long word has a few closures, not more). */
const MAX_IGNORED_RUNS = 8;
const IGNORED_RUN_COST = 0.05;
const IGNORED_RUN_COST_PER_SEC = 2;

const HAN = /\p{Script=Han}/u;
const SPOKEN_CHAR = /[\p{L}\p{N}]/u;

/** Samples of a WAV's data chunk as mono floats in −1…1 (channels averaged). `bytes` is the whole file. */
export function pcmSamples(bytes: Buffer, info: WavInfo): Float32Array {
  const bytesPerSample = Math.ceil(info.bitsPerSample / 8);
  const frames = Math.floor(info.dataBytes / info.blockAlign);
  const out = new Float32Array(frames);
  const read = sampleReader(bytes, info.audioFormat, bytesPerSample);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    const at = info.dataOffset + f * info.blockAlign;
    for (let c = 0; c < info.channels; c++) sum += read(at + c * bytesPerSample);
    out[f] = sum / info.channels;
  }
  return out;
}

function sampleReader(bytes: Buffer, format: 1 | 3, width: number): (offset: number) => number {
  if (format === 3) return width === 8 ? (o) => bytes.readDoubleLE(o) : (o) => bytes.readFloatLE(o);
  switch (width) {
    case 1: return (o) => (bytes.readUInt8(o) - 128) / 128;
    case 2: return (o) => bytes.readInt16LE(o) / 32768;
    case 3: return (o) => bytes.readIntLE(o, 3) / 8388608;
    default: return (o) => bytes.readInt32LE(o) / 2147483648;
  }
}

/** RMS of each `ALIGN_FRAME_SEC` frame. */
export function envelope(samples: Float32Array, sampleRate: number): Float32Array {
  const size = Math.max(1, Math.round(sampleRate * ALIGN_FRAME_SEC));
  const out = new Float32Array(Math.ceil(samples.length / size));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    const end = Math.min(samples.length, (i + 1) * size);
    for (let s = i * size; s < end; s++) sum += samples[s]! * samples[s]!;
    out[i] = Math.sqrt(sum / Math.max(1, end - i * size));
  }
  return out;
}

export interface SpeechActivity {
  /** When the speech starts and ends, in seconds from the start of the samples; both 0 when nothing is heard. */
  onsetSec: number;
  endSec: number;
  /** Quiet runs of at least `MIN_PAUSE_SEC` strictly inside the speech, in order. */
  pauses: QuietRun[];
  /** Shorter quiet runs, of at least `MIN_GAP_SEC`: a breath between two words, or a stop consonant's closure. */
  gaps: QuietRun[];
}

export interface QuietRun {
  startSec: number;
  endSec: number;
}

/** Where speech is heard in the samples: onset, end and the pauses between. */
export function speechActivity(samples: Float32Array, sampleRate: number): SpeechActivity {
  const env = envelope(samples, sampleRate);
  let peak = 0;
  for (const v of env) peak = Math.max(peak, v);
  const quiet = Math.max(peak * QUIET_SHARE_OF_PEAK, ABSOLUTE_QUIET_RMS);
  let first = -1;
  let last = -1;
  for (let i = 0; i < env.length; i++) {
    if (env[i]! > quiet) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return { onsetSec: 0, endSec: 0, pauses: [], gaps: [] };
  const minFrames = Math.round(MIN_PAUSE_SEC / ALIGN_FRAME_SEC);
  const minGapFrames = Math.round(MIN_GAP_SEC / ALIGN_FRAME_SEC);
  const pauses: QuietRun[] = [];
  const gaps: QuietRun[] = [];
  let run = -1;
  for (let i = first; i <= last; i++) {
    if (env[i]! <= quiet) {
      if (run < 0) run = i;
    } else if (run >= 0) {
      const quietRun = { startSec: run * ALIGN_FRAME_SEC, endSec: i * ALIGN_FRAME_SEC };
      if (i - run >= minFrames) pauses.push(quietRun);
      else if (i - run >= minGapFrames) gaps.push(quietRun);
      run = -1;
    }
  }
  return { onsetSec: first * ALIGN_FRAME_SEC, endSec: Math.min((last + 1) * ALIGN_FRAME_SEC, samples.length / sampleRate), pauses, gaps };
}

/**
 * The words of a text as it is spoken: runs separated by spaces, and each Han
 * character on its own; punctuation stays with the word it touches, and a
 * token with nothing to speak (a dash) is no word.
 */
export function speechWords(text: string): string[] {
  const words: string[] = [];
  for (const token of text.split(/\s+/u)) {
    let word = '';
    let pending = '';
    for (const char of token) {
      if (HAN.test(char)) {
        if (SPOKEN_CHAR.test(word)) words.push(word);
        else pending += word;
        word = pending + char;
        pending = '';
      } else {
        word += char;
      }
    }
    if (SPOKEN_CHAR.test(word)) words.push(word);
    else if (word && words.length) words[words.length - 1] += word;
  }
  return words;
}

/** A word's expected length in arbitrary units, from its letters and syllables. */
export function wordWeight(word: string): number {
  let weight = 0;
  let latin = '';
  const flush = () => {
    if (!latin) return;
    const syllables = Math.max(1, (latin.toLowerCase().match(/[aeiouyàâäéèêëïîôöùûü]+/gu) ?? []).length - (/[^aeiouy]e$/i.test(latin) && latin.length > 3 ? 1 : 0));
    weight += WORD_BASE_WEIGHT + SYLLABLE_WEIGHT * syllables + LETTER_WEIGHT * latin.length;
    latin = '';
  };
  for (const char of word) {
    if (HAN.test(char)) {
      flush();
      weight += HAN_WEIGHT;
    } else if (/\p{N}/u.test(char)) {
      flush();
      weight += DIGIT_WEIGHT;
    } else if (/\p{L}/u.test(char)) {
      latin += char;
    } else {
      flush();
    }
  }
  flush();
  return Math.max(weight, WORD_BASE_WEIGHT);
}

/**
 * The words of `text` timed on `samples` (seconds from their start), each
 * word's start its onset and its end where the next starts or a quiet run
 * begins.
 */
export function alignWords(samples: Float32Array, sampleRate: number, text: string): SpokenWord[] {
  const words = speechWords(text);
  if (words.length === 0) return [];
  const activity = speechActivity(samples, sampleRate);
  const durationSec = samples.length / sampleRate;
  const onset = activity.onsetSec;
  const end = activity.endSec > onset ? activity.endSec : durationSec;
  if (!(end > onset)) return words.map((w) => ({ text: w, start_sec: onset, end_sec: onset }));
  return fitWords(words, onset, end, activity.pauses, activity.gaps);
}

/**
 * Lays `words` out between `onset` and `end`, with word boundaries at the
 * quiet runs (`pauses`, `gaps`) where the word lengths fit them: the least
 * squares over the stretches between chosen runs, each run left inside a word
 * adding its cost (see `IGNORED_RUN_COST`).
 */
export function fitWords(words: readonly string[], onset: number, end: number, pauses: readonly QuietRun[], gaps: readonly QuietRun[] = []): SpokenWord[] {
  const weights = words.map(wordWeight);
  const cumulative = [0];
  for (const w of weights) cumulative.push(cumulative.at(-1)! + w);
  const totalWeight = cumulative.at(-1)!;
  const inside = (x: QuietRun) => x.startSec > onset && x.endSec < end;
  const speaking = end - onset - pauses.filter(inside).reduce((t, x) => t + (x.endSec - x.startSec), 0);
  const p = [...pauses.filter(inside), ...gaps.filter(inside)].map((x) => ({ ...x, cost: IGNORED_RUN_COST + IGNORED_RUN_COST_PER_SEC * (x.endSec - x.startSec) }))
    .sort((x, y) => x.startSec - y.startSec);
  const rate = Math.max(speaking, 1e-6) / totalWeight;

  // Nodes: the start, each quiet run taken as the boundary before word b (1…n−1), and the end.
  const n = words.length;
  // ignored[k]: the cost of leaving runs 0…k−1 inside words.
  const ignored = [0];
  for (const x of p) ignored.push(ignored.at(-1)! + x.cost);
  const startOf = (k: number) => (k < 0 ? onset : p[k]!.endSec);
  const endOf = (k: number) => (k >= p.length ? end : p[k]!.startSec);
  const cost = (k1: number, b1: number, k2: number, b2: number) => {
    const t = endOf(k2) - startOf(k1);
    const expected = rate * (cumulative[b2]! - cumulative[b1]!);
    return (t - expected) ** 2 / (expected + STRETCH_SLACK_SEC) + (ignored[k2]! - ignored[k1 + 1]!);
  };
  // A run can only be the boundary before words whose even-rate estimate is near it: this keeps the search small on long sentences.
  const band = Math.max(BOUNDARY_BAND_SEC, BOUNDARY_BAND_SHARE * (end - onset));
  const range = (k: number): [number, number] => {
    if (k < 0) return [0, 0];
    if (k >= p.length) return [n, n];
    const at = (p[k]!.startSec + p[k]!.endSec) / 2;
    let lo = 1;
    while (lo < n && onset + ((end - onset) * cumulative[lo]!) / totalWeight < at - band) lo++;
    let hi = lo - 1;
    while (hi + 1 < n && onset + ((end - onset) * cumulative[hi + 1]!) / totalWeight <= at + band) hi++;
    return [lo, hi];
  };
  const ranges = [range(-1), ...p.map((_, k) => range(k)), range(p.length)];
  // best[k + 1][b]: least cost of a layout whose last boundary run is k (−1: the start) before word b.
  const best: number[][] = Array.from({ length: p.length + 2 }, () => new Array<number>(n + 1).fill(Infinity));
  const prev: Array<Array<[number, number] | null>> = Array.from({ length: p.length + 2 }, () => new Array<[number, number] | null>(n + 1).fill(null));
  best[0]![0] = 0;
  const relax = (k2: number, b2: number) => {
    for (let k1 = Math.max(-1, k2 - 1 - MAX_IGNORED_RUNS); k1 < k2; k1++) {
      const [lo, hi] = ranges[k1 + 1]!;
      for (let b1 = lo; b1 <= Math.min(hi, b2 - 1); b1++) {
        if (best[k1 + 1]![b1] === Infinity) continue;
        const c = best[k1 + 1]![b1]! + cost(k1, b1, k2, b2);
        if (c < best[k2 + 1]![b2]!) {
          best[k2 + 1]![b2] = c;
          prev[k2 + 1]![b2] = [k1, b1];
        }
      }
    }
  };
  for (let k = 0; k < p.length; k++) {
    const [lo, hi] = ranges[k + 1]!;
    for (let b = lo; b <= hi; b++) relax(k, b);
  }
  relax(p.length, n);
  // No chain of runs fits (never seen, but the band could allow it): the words share the whole speech by their lengths.
  if (best[p.length + 1]![n] === Infinity) return fitWords(words, onset, end, [], []);
  // Walk back from the end: the runs taken as boundaries, and before which word.
  const path: Array<[number, number]> = [];
  let at: [number, number] | null = [p.length, n];
  while (at) {
    path.unshift(at);
    at = prev[at[0] + 1]![at[1]]!;
  }
  const timed: SpokenWord[] = [];
  for (let i = 1; i < path.length; i++) {
    const [k1, b1] = path[i - 1]!;
    const [k2, b2] = path[i]!;
    const from = startOf(k1);
    const span = endOf(k2) - from;
    const weight = cumulative[b2]! - cumulative[b1]!;
    for (let w = b1; w < b2; w++) {
      timed.push({
        text: words[w]!,
        start_sec: from + (span * (cumulative[w]! - cumulative[b1]!)) / weight,
        end_sec: from + (span * (cumulative[w + 1]! - cumulative[b1]!)) / weight,
      });
    }
  }
  return timed;
}

/** `alignWords` on a whole WAV file's bytes: what a sentence synthesized by a provider that gives no word times gets. */
export function alignWav(bytes: Buffer, text: string): SpokenWord[] {
  const info = parseWavHeader(bytes);
  return alignWords(pcmSamples(bytes, info), info.sampleRate, text);
}
