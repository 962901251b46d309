import path from 'node:path';
import type { AssetStore } from '../adapters/asset-store.ts';
import { createMedia, type SegmentEncoder } from '../adapters/ffmpeg/index.ts';
import { PACKAGE_ROOT } from '../adapters/flow-files.ts';
import { OpenAiChatProvider } from '../providers/chat/openai-chat.ts';
import { LocalLibraryProvider } from '../providers/material/local-library.ts';
import { PexelsProvider } from '../providers/material/pexels.ts';
import { PixabayProvider } from '../providers/material/pixabay.ts';
import { EdgeTtsProvider } from '../providers/speech/edge-tts.ts';
import { EspeakNgProvider } from '../providers/speech/espeak-ng.ts';
import { MespeakProvider } from '../providers/speech/mespeak.ts';
import { OpenAiSpeechProvider } from '../providers/speech/openai-speech.ts';
import type { MaterialProvider, SpeechProvider } from '../providers/types.ts';
import type { PipelineDeps } from './deps.ts';

/**
 * The providers a deployment has, from the environment. Local ones always:
 * espeak-ng when installed, then meSpeak (no setup), the bundled media
 * library and generated visuals. Remote ones only when their key or base URL
 * is set:
 *
 *   SLOTFLOW_LLM_BASE_URL, SLOTFLOW_LLM_API_KEY, SLOTFLOW_LLM_MODEL      script rewrite (OpenAI-compatible chat)
 *   SLOTFLOW_TTS_BASE_URL, SLOTFLOW_TTS_API_KEY, SLOTFLOW_TTS_MODEL      OpenAI-compatible speech
 *   SLOTFLOW_EDGE_TTS=1                                                  Microsoft Edge read-aloud voices
 *   SLOTFLOW_PEXELS_API_KEY, SLOTFLOW_PIXABAY_API_KEY                    stock video search
 *   SLOTFLOW_MEDIA_LIBRARY                                               a media folder with manifest.json (default: examples/media)
 *   FFMPEG_PATH, FFPROBE_PATH                                            ffmpeg and ffprobe to use instead of the bundled ones
 */

export const BUNDLED_MEDIA_LIBRARY = path.join(PACKAGE_ROOT, 'examples', 'media');
export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';
export const DEFAULT_TTS_MODEL = 'tts-1';

/** ffmpeg from the environment's `FFMPEG_PATH` / `FFPROBE_PATH` (else the bundled binaries), with one set of encode slots. */
export function mediaFromEnv(env: NodeJS.ProcessEnv = process.env): SegmentEncoder {
  return createMedia({ ffmpegPath: env.FFMPEG_PATH || undefined, ffprobePath: env.FFPROBE_PATH || undefined });
}

export function providersFromEnv(assets: AssetStore, env: NodeJS.ProcessEnv = process.env): PipelineDeps {
  const speech: SpeechProvider[] = [];
  if (env.SLOTFLOW_TTS_BASE_URL) {
    speech.push(new OpenAiSpeechProvider({
      baseUrl: env.SLOTFLOW_TTS_BASE_URL, model: env.SLOTFLOW_TTS_MODEL || DEFAULT_TTS_MODEL,
      ...(env.SLOTFLOW_TTS_API_KEY ? { apiKey: env.SLOTFLOW_TTS_API_KEY } : {}),
    }));
  }
  if (env.SLOTFLOW_EDGE_TTS === '1') speech.push(new EdgeTtsProvider({ enabled: true }));
  speech.push(new EspeakNgProvider(), new MespeakProvider());

  const material: MaterialProvider[] = [new LocalLibraryProvider({ dir: env.SLOTFLOW_MEDIA_LIBRARY || BUNDLED_MEDIA_LIBRARY })];
  if (env.SLOTFLOW_PEXELS_API_KEY) material.push(new PexelsProvider({ apiKey: env.SLOTFLOW_PEXELS_API_KEY }));
  if (env.SLOTFLOW_PIXABAY_API_KEY) material.push(new PixabayProvider({ apiKey: env.SLOTFLOW_PIXABAY_API_KEY }));

  const chat = env.SLOTFLOW_LLM_BASE_URL
    ? new OpenAiChatProvider({
      baseUrl: env.SLOTFLOW_LLM_BASE_URL, model: env.SLOTFLOW_LLM_MODEL || DEFAULT_LLM_MODEL,
      ...(env.SLOTFLOW_LLM_API_KEY ? { apiKey: env.SLOTFLOW_LLM_API_KEY } : {}),
    })
    : undefined;
  return { assets, media: mediaFromEnv(env), speech, material, ...(chat ? { chat } : {}) };
}
