import { wavHeader } from '../../src/providers/speech/wav.ts';

/** A mono 16-bit PCM WAV of `seconds` of `sample(t)` (−1..1, clipped), at `rate` Hz; silence without one. */
export function monoWav(seconds: number, rate: number, sample: (t: number) => number = () => 0): Buffer {
  const count = Math.round(seconds * rate);
  const data = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) data.writeInt16LE(Math.round(32767 * Math.max(-1, Math.min(1, sample(i / rate)))), i * 2);
  return Buffer.concat([wavHeader({ audioFormat: 1, sampleRate: rate, channels: 1, bitsPerSample: 16 }, data.length), data]);
}
