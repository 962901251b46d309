import type { AssetStore, StoredAsset } from '../../adapters/asset-store.ts';
import { SlotflowError } from '../../core/errors.ts';
import { PredictionClient, type WaitOptions } from '../../providers/prediction/prediction-client.ts';
import type { Settings } from '../../settings.ts';
import type { FidelityScores, ProductScene, StoryboardSeed } from '../types.ts';

/**
 * The capabilities product creative and presenter videos are made of, each a
 * narrow interface so a stage depends on what it calls and a test passes a
 * plain object. Image, video and lip sync can be made here (`local`) or by a
 * hosted model speaking the prediction protocol (`remote`), chosen per
 * capability by `SLOTFLOW_<CAP>_PROVIDER` with `SLOTFLOW_<CAP>_BASE_URL`,
 * `_API_KEY` and `_MODEL`; speech and script keep their own settings
 * (`SLOTFLOW_TTS_*`, `SLOTFLOW_LLM_*`).
 *
 * These are declared without the image composer's own module
 * (`image.ts`), whose `ImageCapability` has the same shape.
 */

/** A file a capability made, in the asset store, and who made it. */
export interface MadeAsset extends StoredAsset {
  /** `local:<name>` or `remote:<model>`: what goes on the asset record's `provider`. */
  provider: string;
  /** Set when a hosted model made it. */
  prediction?: { id: string; requestId: string | undefined };
}

export interface ImageRequest {
  prompt: string;
  width: number;
  height: number;
  /** The product's neutral image (PNG), which the picture must show. */
  neutral?: { path: string; width: number; height: number };
  seed?: number;
}

export interface ImageCapability {
  readonly name: string;
  compose(request: ImageRequest, signal?: AbortSignal): Promise<MadeAsset>;
}

export interface VideoRequest {
  prompt: string;
  /** A still to animate (the scene's picture), when there is one. */
  image?: string;
  duration_s: number;
  width: number;
  height: number;
  seed?: number;
}

export interface VideoCapability {
  readonly name: string;
  clip(request: VideoRequest, signal?: AbortSignal): Promise<MadeAsset>;
}

export interface LipSyncRequest {
  /** The presenter's face: a photo or a clip. */
  face: string;
  /** The speech the mouth follows (WAV). */
  audio: string;
}

export interface LipSyncCapability {
  readonly name: string;
  sync(request: LipSyncRequest, signal?: AbortSignal): Promise<MadeAsset>;
}

export interface SpeechCapability {
  readonly name: string;
  speak(request: { text: string; voice?: string }, signal?: AbortSignal): Promise<MadeAsset & { durationSec: number }>;
}

export interface ScriptCapability {
  readonly name: string;
  write(request: { prompt: string; duration_s: number; tone?: string }, signal?: AbortSignal): Promise<string>;
}

export interface StoryboardCapability {
  readonly name: string;
  plan(request: { script: string; seeds: readonly StoryboardSeed[]; scenes: number }, signal?: AbortSignal): Promise<ProductScene[]>;
}

export interface FidelityCapability {
  readonly name: string;
  score(request: { picture: string; neutral: string; palette: readonly string[] }, signal?: AbortSignal): Promise<FidelityScores>;
}

export interface StitchCapability {
  readonly name: string;
  stitch(request: { clips: readonly string[]; audio?: string; width: number; height: number }, signal?: AbortSignal): Promise<MadeAsset>;
}

/** The capabilities a hosted model may provide. */
export const REMOTE_CAPABILITIES = ['image', 'video', 'lipsync'] as const;
export type RemoteCapability = (typeof REMOTE_CAPABILITIES)[number];

/** `SLOTFLOW_<CAP>_PROVIDER=remote` without a base URL: refused before any work starts. */
export class CapabilityNotConfigured extends SlotflowError {
  override name = 'CapabilityNotConfigured';
  constructor(readonly capability: RemoteCapability) {
    const v = `SLOTFLOW_${capability.toUpperCase()}`;
    super(`${v}_PROVIDER is remote but ${v}_BASE_URL is not set`, { code: 'capability-not-configured' });
  }
}

export type CapabilityChoice =
  | { provider: 'local' }
  | { provider: 'remote'; baseUrl: string; apiKey: string | undefined; model: string | undefined };

/** Where a capability's work is done, from the settings; throws `CapabilityNotConfigured` for a remote one without a base URL. */
export function capabilityChoice(settings: Settings, capability: RemoteCapability): CapabilityChoice {
  const provider = settings[`${capability}Provider`];
  if (provider === 'local') return { provider };
  const baseUrl = settings[`${capability}BaseUrl`];
  if (!baseUrl) throw new CapabilityNotConfigured(capability);
  return { provider, baseUrl, apiKey: settings[`${capability}ApiKey`], model: settings[`${capability}Model`] };
}

/** The prediction client of a remote capability, or undefined when it is made here. */
export function predictionClientFor(settings: Settings, capability: RemoteCapability): PredictionClient | undefined {
  const choice = capabilityChoice(settings, capability);
  if (choice.provider === 'local') return undefined;
  return new PredictionClient({
    baseUrl: choice.baseUrl,
    ...(choice.apiKey ? { apiKey: choice.apiKey } : {}),
    ...(choice.model ? { model: choice.model } : {}),
  });
}

/** What every remote adapter takes. */
export interface RemoteAdapterOptions {
  client: PredictionClient;
  store: AssetStore;
  /** Polling and time limits of each prediction. */
  wait?: Omit<WaitOptions, 'signal'>;
  /** Largest output file. */
  maxBytes?: number;
}

/**
 * Picks a capability's implementation: the local one, or the remote adapter built on the settings' prediction client.
 * Resolved once, at start, so a bad setting stops the command before any work.
 */
export function selectCapability<C>(settings: Settings, capability: RemoteCapability, local: () => C, remote: (client: PredictionClient) => C): C {
  const client = predictionClientFor(settings, capability);
  return client ? remote(client) : local();
}
