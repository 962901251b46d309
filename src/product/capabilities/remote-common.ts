import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SlotflowError } from '../../core/errors.ts';
import { ProviderResponseError } from '../../providers/http.ts';
import type { MadeAsset, RemoteAdapterOptions } from './index.ts';

/**
 * What the remote adapters share: local files go to the model as data URIs
 * (the provider cannot reach our asset store, and no upload step is needed),
 * and the prediction's first output file comes back as the asset.
 */

/** Largest local file sent inline as a data URI; providers refuse much larger request bodies. */
export const MAX_INLINE_BYTES = 10 * 1024 * 1024;

const MEDIA_TYPES: Record<string, string> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp',
  '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.mp4': 'video/mp4',
};

/** A local input too large to send inline: refused before the prediction is submitted. */
export class InlineInputTooLarge extends SlotflowError {
  override name = 'InlineInputTooLarge';
  constructor(readonly file: string, readonly bytes: number) {
    super(`${path.basename(file)} is ${bytes} bytes, over the ${MAX_INLINE_BYTES} bytes a prediction input may carry`, { code: 'input-too-large' });
  }
}

export async function dataUri(file: string): Promise<string> {
  const { size } = await stat(file);
  if (size > MAX_INLINE_BYTES) throw new InlineInputTooLarge(file, size);
  const type = MEDIA_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  return `data:${type};base64,${(await readFile(file)).toString('base64')}`;
}

/** Runs one prediction and returns its first output file as the made asset. */
export async function predictOne(options: RemoteAdapterOptions, input: Record<string, unknown>, fallbackExtension: string, signal?: AbortSignal): Promise<MadeAsset> {
  const result = await options.client.run(input, options.store, {
    ...options.wait,
    fallbackExtension,
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    ...(signal ? { signal } : {}),
  });
  const first = result.files[0];
  if (!first) throw new ProviderResponseError(result.provider, `prediction ${result.predictionId}`, 'the prediction succeeded with no output file');
  return { hash: first.hash, path: first.path, bytes: first.bytes, provider: result.provider, prediction: { id: result.predictionId, requestId: result.requestId } };
}
