/**
 * RIFF/WAVE files of PCM audio: read the header, write, concatenate, and
 * make silence. The pipeline synthesizes each sentence to its own WAV,
 * concatenates them, and times each subtitle cue from the parts' real
 * durations, so durations here come from the data size, never from a header
 * field that a streaming writer may have left as a placeholder.
 *
 * Header quirks handled: chunks other than `fmt ` and `data` (`LIST`,
 * `fact`, …) are skipped, with their pad byte; a `data` size that runs past
 * the end of the file (espeak-ng writing to stdout leaves 0x7FFFF000 or
 * 0xFFFFFFFF there) is cut to the bytes actually present, in whole frames;
 * WAVE_FORMAT_EXTENSIBLE is read through to its PCM or float sub-format.
 */

import { open, readFile, writeFile } from 'node:fs/promises';
import { SlotflowError } from '../../core/errors.ts';

export interface WavFormat {
  /** 1 integer PCM, 3 IEEE float. */
  audioFormat: 1 | 3;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

export interface WavInfo extends WavFormat {
  /** Bytes per frame (all channels of one sample). */
  blockAlign: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of sample data actually present. */
  dataBytes: number;
  durationSec: number;
}

/** A file that is not a WAV this module reads, or parts that cannot be joined. Re-reading the same bytes gives the same answer. */
export class WavError extends SlotflowError {
  override name = 'WavError';
  constructor(
    message: string,
    readonly file?: string,
    options?: ErrorOptions & { code?: 'invalid-wav' | 'wav-format-mismatch' },
  ) {
    super(file ? `${file}: ${message}` : message, { code: options?.code ?? 'invalid-wav', cause: options?.cause });
  }
}

/** The parts given to `concatWav` differ in format; resampling is not this module's job. */
export class WavFormatMismatchError extends WavError {
  override name = 'WavFormatMismatchError';
  constructor(
    file: string,
    readonly expected: WavFormat,
    readonly actual: WavFormat,
  ) {
    super(`format ${describeFormat(actual)} differs from the first part's ${describeFormat(expected)}`, file, { code: 'wav-format-mismatch' });
  }
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const RIFF_HEADER_BYTES = 12;
const CANONICAL_HEADER_BYTES = 44;
/** How much of a file `readWavInfo` reads looking for the `data` chunk. */
const HEADER_SCAN_BYTES = 64 * 1024;

export function describeFormat(f: WavFormat): string {
  return `${f.sampleRate} Hz, ${f.channels} ch, ${f.bitsPerSample}-bit ${f.audioFormat === WAVE_FORMAT_IEEE_FLOAT ? 'float' : 'PCM'}`;
}

/**
 * Parses a WAV header. `head` holds at least the bytes up to the start of the
 * `data` chunk's samples; `fileBytes` is the whole file's size (default
 * `head.length`), which bounds the data size.
 */
export function parseWavHeader(head: Buffer, fileBytes: number = head.length, file?: string): WavInfo {
  if (head.length < RIFF_HEADER_BYTES || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file', file);
  }
  let format: (WavFormat & { blockAlign: number }) | undefined;
  let offset = RIFF_HEADER_BYTES;
  while (offset + 8 <= head.length) {
    const id = head.toString('ascii', offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + 16 > head.length) throw new WavError('truncated fmt chunk', file);
      format = readFormat(head, body, size, file);
    } else if (id === 'data') {
      if (!format) throw new WavError('data chunk before fmt chunk', file);
      const available = Math.max(0, fileBytes - body);
      const bytes = Math.min(size, available);
      const dataBytes = bytes - (bytes % format.blockAlign);
      const durationSec = dataBytes / (format.sampleRate * format.blockAlign);
      return { ...format, dataOffset: body, dataBytes, durationSec };
    }
    offset = body + size + (size % 2);
  }
  throw new WavError(format ? 'no data chunk' : 'no fmt chunk', file);
}

function readFormat(head: Buffer, body: number, size: number, file?: string): WavFormat & { blockAlign: number } {
  let tag = head.readUInt16LE(body);
  const channels = head.readUInt16LE(body + 2);
  const sampleRate = head.readUInt32LE(body + 4);
  const blockAlign = head.readUInt16LE(body + 12);
  const bitsPerSample = head.readUInt16LE(body + 14);
  if (tag === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= head.length) {
    // The sub-format GUID starts with the format tag.
    tag = head.readUInt16LE(body + 24);
  }
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT) throw new WavError(`unsupported audio format ${tag} (only PCM and float)`, file);
  if (channels < 1 || sampleRate < 1 || bitsPerSample < 8 || blockAlign !== channels * Math.ceil(bitsPerSample / 8)) {
    throw new WavError(`inconsistent fmt chunk (${channels} ch, ${sampleRate} Hz, ${bitsPerSample} bits, block ${blockAlign})`, file);
  }
  return { audioFormat: tag, sampleRate, channels, bitsPerSample, blockAlign };
}

export async function readWavInfo(file: string): Promise<WavInfo> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, HEADER_SCAN_BYTES));
    await handle.read(head, 0, head.length, 0);
    return parseWavHeader(head, size, file);
  } finally {
    await handle.close();
  }
}

/** A canonical 44-byte header for `dataBytes` of samples in `format`. */
export function wavHeader(format: WavFormat, dataBytes: number): Buffer {
  const blockAlign = format.channels * Math.ceil(format.bitsPerSample / 8);
  const h = Buffer.alloc(CANONICAL_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes + (dataBytes % 2), 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(format.audioFormat, 20);
  h.writeUInt16LE(format.channels, 22);
  h.writeUInt32LE(format.sampleRate, 24);
  h.writeUInt32LE(format.sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(format.bitsPerSample, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** Writes samples (already in `format`) as a WAV file with a canonical header. */
export async function writeWav(out: string, format: WavFormat, samples: Buffer): Promise<WavInfo> {
  const header = wavHeader(format, samples.length);
  const pad = samples.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0);
  await writeFile(out, Buffer.concat([header, samples, pad]));
  return parseWavHeader(header, header.length + samples.length, out);
}

/** Rewrites a WAV as a canonical one (e.g. espeak-ng's stdout output with a placeholder size). */
export async function normalizeWav(file: string, out: string = file): Promise<WavInfo> {
  const bytes = await readFile(file);
  const info = parseWavHeader(bytes, bytes.length, file);
  return writeWav(out, info, bytes.subarray(info.dataOffset, info.dataOffset + info.dataBytes));
}

export interface ConcatPart {
  file: string;
  /** Where this part starts in the output, in seconds. */
  startSec: number;
  durationSec: number;
}

export interface ConcatResult {
  file: string;
  parts: ConcatPart[];
  durationSec: number;
}

/**
 * Concatenates WAV files of one format into `out`. Each part's start is the
 * sum of the durations before it, computed from whole frames, so the cue
 * times derived from it match the audio sample for sample.
 */
export async function concatWav(files: readonly string[], out: string): Promise<ConcatResult> {
  if (files.length === 0) throw new WavError('nothing to concatenate');
  const infos: WavInfo[] = [];
  for (const file of files) infos.push(await readWavInfo(file));
  const first = infos[0]!;
  infos.forEach((info, i) => {
    if (!sameFormat(first, info)) throw new WavFormatMismatchError(files[i]!, first, info);
  });

  const dataBytes = infos.reduce((n, info) => n + info.dataBytes, 0);
  const bytesPerSec = first.sampleRate * first.blockAlign;
  const parts: ConcatPart[] = [];
  const target = await open(out, 'w');
  try {
    await target.write(wavHeader(first, dataBytes));
    let written = 0;
    for (const [i, info] of infos.entries()) {
      const source = await open(files[i]!, 'r');
      try {
        const samples = Buffer.alloc(info.dataBytes);
        await source.read(samples, 0, info.dataBytes, info.dataOffset);
        await target.write(samples);
      } finally {
        await source.close();
      }
      parts.push({ file: files[i]!, startSec: written / bytesPerSec, durationSec: info.durationSec });
      written += info.dataBytes;
    }
    if (dataBytes % 2) await target.write(Buffer.alloc(1));
  } finally {
    await target.close();
  }
  return { file: out, parts, durationSec: dataBytes / bytesPerSec };
}

/** Writes `durationSec` of silence (rounded to whole frames) in `format`. */
export async function silenceWav(durationSec: number, format: WavFormat, out: string): Promise<WavInfo> {
  if (!Number.isFinite(durationSec) || durationSec < 0) throw new RangeError(`silence duration must be a non-negative number, got ${durationSec}`);
  const blockAlign = format.channels * Math.ceil(format.bitsPerSample / 8);
  const frames = Math.round(durationSec * format.sampleRate);
  // Unsigned 8-bit PCM is silent at its midpoint, everything else at zero.
  const samples = Buffer.alloc(frames * blockAlign, format.audioFormat === WAVE_FORMAT_PCM && format.bitsPerSample === 8 ? 0x80 : 0);
  return writeWav(out, format, samples);
}

function sameFormat(a: WavFormat, b: WavFormat): boolean {
  return a.audioFormat === b.audioFormat && a.sampleRate === b.sampleRate && a.channels === b.channels && a.bitsPerSample === b.bitsPerSample;
}


/**
 * Silence kept before the first word and after the last by the engines that
 * open and close each utterance with a pause of their own (Festival, Flite),
 * so that the pauses between sentences are the pipeline's and each sentence
 * is heard when its cue shows: little before (a quiet first sound such as
 * the "th" of "The" is heard late already), a breath after.
 */
export const SPEECH_EDGES = { leadSec: 0.01, tailSec: 0.05 } as const;

/**
 * Cuts a WAV in place to the stretch from `fromSec` to `toSec` (clamped to
 * the file, in whole frames: the start rounded down, the end up). Returns
 * the new file's info and where it now starts in the old one.
 */
export async function trimWav(file: string, info: WavInfo, fromSec: number, toSec: number): Promise<{ info: WavInfo; shiftSec: number }> {
  const frames = info.dataBytes / info.blockAlign;
  const from = Math.min(frames, Math.max(0, Math.floor(fromSec * info.sampleRate)));
  const to = Math.max(from, Math.min(frames, Math.ceil(toSec * info.sampleRate)));
  if (from === 0 && to === frames) return { info, shiftSec: 0 };
  const bytes = await readFile(file);
  const cut = await writeWav(file, info, bytes.subarray(info.dataOffset + from * info.blockAlign, info.dataOffset + to * info.blockAlign));
  return { info: cut, shiftSec: from / info.sampleRate };
}
