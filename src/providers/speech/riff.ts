import { ProviderResponseError } from '../http.ts';

/**
 * RIFF/WAVE handling shared by the remote speech adapters: read an answer
 * whose header a streaming server may have written with placeholder sizes,
 * and write one canonical WAV with exact sizes from one or more pieces.
 * Errors are `ProviderResponseError`s naming the provider.
 */

export interface WavPcm {
  /** The `fmt ` chunk's body, kept as received. */
  fmt: Buffer;
  byteRate: number;
  blockAlign: number;
  data: Buffer;
}

/** RIFF size fields a streaming server writes before it knows the length. */
const UNKNOWN_SIZES = new Set([0, 0xffffffff, 0x7fffffff]);

export interface ParseWavOptions {
  /** Take every byte after the `data` chunk header as audio, whatever its size field says (a stream whose header was written first). */
  dataToEnd?: boolean;
}

/**
 * Reads a RIFF/WAVE answer: walks the chunks (`fmt `, `LIST`, `fact`, … each
 * padded to an even length) to the `data` chunk. A placeholder or overlong
 * data size means "to the end of the file".
 */
export function parseWav(bytes: Buffer, provider: string, url: string, options: ParseWavOptions = {}): WavPcm {
  const bad = (reason: string) => new ProviderResponseError(provider, url, `not a usable WAV: ${reason}`);
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') {
    throw bad(`starts with ${JSON.stringify(bytes.toString('latin1', 0, 12))}`);
  }
  let fmt: Buffer | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length) throw bad('short fmt chunk');
      fmt = bytes.subarray(body, body + size);
    } else if (id === 'data') {
      if (!fmt) throw bad('data chunk before fmt chunk');
      const byteRate = fmt.readUInt32LE(8);
      const blockAlign = fmt.readUInt16LE(12);
      if (byteRate === 0 || blockAlign === 0) throw bad('byte rate or block align is zero');
      const available = bytes.length - body;
      let length = options.dataToEnd || UNKNOWN_SIZES.has(size) || size > available ? available : size;
      length -= length % blockAlign;
      return { fmt, byteRate, blockAlign, data: bytes.subarray(body, body + length) };
    }
    offset = body + size + (size % 2);
  }
  throw bad('no data chunk');
}

/** One canonical WAV from pieces of the same format. */
export function joinWav(pieces: WavPcm[], provider: string, url: string): { bytes: Buffer; durationSec: number } {
  const first = pieces[0];
  if (!first) throw new ProviderResponseError(provider, url, 'no audio');
  for (const piece of pieces) {
    if (!piece.fmt.equals(first.fmt)) throw new ProviderResponseError(provider, url, 'pieces of one text came back in different WAV formats');
  }
  const data = Buffer.concat(pieces.map((p) => p.data));
  const fmtPadded = first.fmt.length + (first.fmt.length % 2);
  const header = Buffer.alloc(12 + 8 + fmtPadded + 8);
  // Chunks are padded to an even length; the pad byte is not counted in the chunk's size.
  const pad = Buffer.alloc(data.length % 2);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(header.length - 8 + data.length + pad.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(first.fmt.length, 16);
  first.fmt.copy(header, 20);
  header.write('data', 20 + fmtPadded, 'latin1');
  header.writeUInt32LE(data.length, 24 + fmtPadded);
  return { bytes: Buffer.concat([header, data, pad]), durationSec: data.length / first.byteRate };
}
