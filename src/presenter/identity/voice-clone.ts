import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SlotflowError } from '../../core/errors.ts';

/**
 * A voice-cloning service (ElevenLabs' "add voice" shape): the sample goes up
 * as multipart form data and a voice id comes back.
 *
 *   POST {SLOTFLOW_VOICE_CLONE_BASE_URL}/v1/voices/add
 *   Authorization: Bearer {SLOTFLOW_VOICE_CLONE_API_KEY}
 *   form fields: name (the presenter's name), files (the sample, one file)
 *   200 → { "voice_id": "…" }
 *
 * Any other answer fails with `voice-clone-failed`; 429 and 5xx (and a
 * connection that fails) are retryable, the rest are not.
 */

export const CLONE_PATH = '/v1/voices/add';
export const CLONE_TIMEOUT_MS = 60_000;

export interface VoiceCloneOptions {
  baseUrl: string;
  apiKey: string;
  /** Recorded as the profile's provider. Default `voice-clone`. */
  name?: string;
  timeoutMs?: number;
}

export class VoiceCloneError extends SlotflowError {
  override name = 'VoiceCloneError';
  constructor(message: string, readonly status: number | undefined, retryable: boolean, cause?: unknown) {
    super(message, { code: 'voice-clone-failed', retryable, cause });
  }
}

/** The cloning service the environment names, if both its base URL and key are set. */
export function voiceCloneFromEnv(env: NodeJS.ProcessEnv = process.env): VoiceCloneOptions | undefined {
  const baseUrl = env.SLOTFLOW_VOICE_CLONE_BASE_URL?.trim();
  const apiKey = env.SLOTFLOW_VOICE_CLONE_API_KEY?.trim();
  return baseUrl && apiKey ? { baseUrl, apiKey } : undefined;
}

export async function cloneVoice(options: VoiceCloneOptions, sample: string, name: string, signal?: AbortSignal): Promise<string> {
  const form = new FormData();
  form.set('name', name);
  form.set('files', new Blob([await readFile(sample)]), path.basename(sample));
  const url = `${options.baseUrl.replace(/\/+$/, '')}${CLONE_PATH}`;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? CLONE_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST', body: form, headers: { authorization: `Bearer ${options.apiKey}` },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (e) {
    throw new VoiceCloneError('the voice-cloning service could not be reached', undefined, true, e);
  }
  const text = await response.text();
  if (!response.ok) {
    throw new VoiceCloneError(`the voice-cloning service answered ${response.status}`, response.status, response.status === 429 || response.status >= 500);
  }
  let id: unknown;
  try {
    id = (JSON.parse(text) as { voice_id?: unknown }).voice_id;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string' || id === '') throw new VoiceCloneError('the voice-cloning service answered without a voice_id', response.status, false);
  return id;
}
