import type { Pcm } from '../../adapters/ffmpeg/index.ts';
import type { VoiceMeasure } from '../types.ts';

/**
 * What a voice sounds like, in three numbers, measured on 16 kHz mono PCM:
 *
 * - f0: YIN (the cumulative mean normalised difference) on 40 ms frames every
 *   10 ms, searched over `F0_MIN`–`F0_MAX`; a frame is voiced when it is loud
 *   enough (within `VOICED_DB` of the loudest frames) and its best dip is
 *   under `YIN_THRESHOLD`. The median over voiced frames is the voice's f0,
 *   the interquartile range in semitones its spread (how much it moves).
 * - speaking rate: syllable nuclei per second of speech. The frame energy
 *   (dB, smoothed over 50 ms) peaks once per syllable; a peak counts when it
 *   is voiced, no more than `PEAK_FLOOR_DB` under the median energy of the speech, and stands
 *   `PEAK_DIP_DB` above the dips either side (de Jong and Wempe's method).
 *   Speech time is the duration less the pauses, taken from the energy
 *   (frames `SILENCE_DB` below the loudest), the same measure as ffmpeg's
 *   `silencedetect` at −35 dB for normalised speech.
 * - duration in seconds.
 */

export const F0_MIN = 60;
export const F0_MAX = 400;
const FRAME_S = 0.04;
const HOP_S = 0.01;
const YIN_THRESHOLD = 0.2;
const VOICED_DB = 30;
const SILENCE_DB = 35;
/** Pauses shorter than this are part of speech (stops, gaps between words). */
const MIN_PAUSE_S = 0.15;
const SMOOTH_FRAMES = 2;
/** A nucleus is at most this far under the median energy of the speech. */
const PEAK_FLOOR_DB = 6;
const PEAK_DIP_DB = 2;

export function measureVoice(pcm: Pcm): VoiceMeasure {
  const { samples, sampleRate } = pcm;
  const frame = Math.round(FRAME_S * sampleRate);
  const hop = Math.round(HOP_S * sampleRate);
  const frames = Math.max(0, Math.floor((samples.length - frame) / hop) + 1);
  const energy = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * hop; i < f * hop + frame; i++) sum += samples[i]! * samples[i]!;
    energy[f] = 10 * Math.log10(sum / frame + 1e-10);
  }
  const loud = percentile([...energy], 0.95);
  const f0s: Array<number | undefined> = [];
  for (let f = 0; f < frames; f++) f0s.push(energy[f]! >= loud - VOICED_DB ? yin(samples, f * hop, frame, sampleRate) : undefined);
  const voiced = f0s.filter((v): v is number => v !== undefined);
  const f0 = voiced.length > 0 ? percentile(voiced, 0.5) : 0;
  const spread = voiced.length > 0 ? 12 * Math.log2(percentile(voiced, 0.75) / percentile(voiced, 0.25)) : 0;

  const silent = Array.from(energy, (e) => e < loud - SILENCE_DB);
  let pauseFrames = 0;
  for (let f = 0; f < frames;) {
    if (!silent[f]) { f++; continue; }
    let g = f;
    while (g < frames && silent[g]) g++;
    if ((g - f) * HOP_S >= MIN_PAUSE_S || f === 0 || g === frames) pauseFrames += g - f;
    f = g;
  }
  const duration = samples.length / sampleRate;
  const speech = Math.max(HOP_S, duration - pauseFrames * HOP_S);
  const nuclei = syllableNuclei(energy, f0s, silent);
  return { f0_hz: round(f0, 2), f0_spread: round(spread, 3), speech_rate_sps: round(nuclei / speech, 3), duration_s: round(duration, 3) };
}

function syllableNuclei(energy: Float64Array, f0s: ReadonlyArray<number | undefined>, silent: readonly boolean[]): number {
  const n = energy.length;
  const smooth = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let sum = 0, count = 0;
    for (let g = Math.max(0, f - SMOOTH_FRAMES); g <= Math.min(n - 1, f + SMOOTH_FRAMES); g++) { sum += energy[g]!; count++; }
    smooth[f] = sum / count;
  }
  const speechEnergy = Array.from(smooth).filter((_, f) => !silent[f]);
  const floor = speechEnergy.length > 0 ? percentile(speechEnergy, 0.5) - PEAK_FLOOR_DB : Infinity;
  const peaks: number[] = [];
  for (let f = 1; f < n - 1; f++) if (smooth[f]! > smooth[f - 1]! && smooth[f]! >= smooth[f + 1]!) peaks.push(f);
  // A nucleus stands PEAK_DIP_DB over the lowest point towards each neighbouring peak (or the edge).
  let count = 0;
  for (const [k, f] of peaks.entries()) {
    if (smooth[f]! < floor || f0s[f] === undefined) continue;
    const from = k > 0 ? peaks[k - 1]! : 0;
    const to = k < peaks.length - 1 ? peaks[k + 1]! : n - 1;
    let left = Infinity, right = Infinity;
    for (let g = from; g < f; g++) left = Math.min(left, smooth[g]!);
    for (let g = f + 1; g <= to; g++) right = Math.min(right, smooth[g]!);
    if (smooth[f]! - left >= PEAK_DIP_DB && smooth[f]! - right >= PEAK_DIP_DB) count++;
  }
  return count;
}

/** YIN's f0 estimate for one frame, or undefined when it is not voiced. */
function yin(samples: Float32Array, start: number, size: number, sampleRate: number): number | undefined {
  const maxLag = Math.floor(sampleRate / F0_MIN);
  const minLag = Math.floor(sampleRate / F0_MAX);
  const window = size - maxLag > 0 ? size : maxLag * 2;
  if (start + window + maxLag > samples.length) return undefined;
  const diff = new Float64Array(maxLag + 1);
  for (let lag = 1; lag <= maxLag; lag++) {
    let sum = 0;
    for (let i = start; i < start + window - maxLag; i++) {
      const d = samples[i]! - samples[i + lag]!;
      sum += d * d;
    }
    diff[lag] = sum;
  }
  let running = 0;
  let best = -1;
  const cmnd = new Float64Array(maxLag + 1);
  cmnd[0] = 1;
  for (let lag = 1; lag <= maxLag; lag++) {
    running += diff[lag]!;
    cmnd[lag] = running > 0 ? (diff[lag]! * lag) / running : 1;
  }
  for (let lag = minLag; lag <= maxLag; lag++) {
    if (cmnd[lag]! < YIN_THRESHOLD) {
      while (lag + 1 <= maxLag && cmnd[lag + 1]! < cmnd[lag]!) lag++;
      best = lag;
      break;
    }
  }
  if (best < 0) return undefined;
  // Parabolic interpolation around the dip.
  const a = cmnd[best - 1] ?? cmnd[best]!, b = cmnd[best]!, c = cmnd[best + 1] ?? cmnd[best]!;
  const shift = a + c - 2 * b !== 0 ? (a - c) / (2 * (a + c - 2 * b)) : 0;
  return sampleRate / (best + shift);
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((p, r) => p - r);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

function round(v: number, digits: number): number {
  return Number(v.toFixed(digits));
}
