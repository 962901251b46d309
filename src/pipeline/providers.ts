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
import { FestivalProvider } from '../providers/speech/festival.ts';
import { FliteProvider } from '../providers/speech/flite.ts';
import { MespeakProvider } from '../providers/speech/mespeak.ts';
import { OpenAiSpeechProvider } from '../providers/speech/openai-speech.ts';
import type { MaterialProvider, SpeechProvider } from '../providers/types.ts';
import type { Settings } from '../settings.ts';
import type { PipelineDeps } from './deps.ts';

/**
 * The providers a deployment has, from its settings. Local ones always:
 * Festival (with an HTS voice), Flite and espeak-ng when installed, then
 * meSpeak (no setup), the media library and generated visuals; speech is
 * chosen best first (`SPEECH_RANKING`). Remote ones only when their key or base URL is set
 * (SLOTFLOW_TTS_*, SLOTFLOW_EDGE_TTS, SLOTFLOW_PEXELS_API_KEY,
 * SLOTFLOW_PIXABAY_API_KEY, SLOTFLOW_LLM_*; see docs/settings.md).
 */

export const BUNDLED_MEDIA_LIBRARY = path.join(PACKAGE_ROOT, 'examples', 'media');

export type ProviderSettings = Pick<Settings,
  'ttsBaseUrl' | 'ttsApiKey' | 'ttsModel' | 'edgeTts' | 'pexelsApiKey' | 'pixabayApiKey' | 'llmBaseUrl' | 'llmApiKey' | 'llmModel' | 'mediaLibrary' | 'ffmpegPath' | 'ffprobePath' | 'searchPath'>;

/** ffmpeg from the settings' `ffmpegPath` / `ffprobePath` (else the best build found, see `locateFfmpeg`), with one set of encode slots. */
export function mediaFromSettings(settings: Pick<Settings, 'ffmpegPath' | 'ffprobePath' | 'searchPath'>): SegmentEncoder {
  return createMedia({ ffmpegPath: settings.ffmpegPath, ffprobePath: settings.ffprobePath, searchPath: settings.searchPath });
}

/** The speech providers alone, in the order they are preferred: what a submission's voice is checked against. */
export function speechFromSettings(settings: Pick<ProviderSettings, 'ttsBaseUrl' | 'ttsApiKey' | 'ttsModel' | 'edgeTts'>): SpeechProvider[] {
  const speech: SpeechProvider[] = [];
  if (settings.ttsBaseUrl) {
    speech.push(new OpenAiSpeechProvider({
      baseUrl: settings.ttsBaseUrl, model: settings.ttsModel,
      ...(settings.ttsApiKey ? { apiKey: settings.ttsApiKey } : {}),
    }));
  }
  if (settings.edgeTts) speech.push(new EdgeTtsProvider({ enabled: true }));
  speech.push(new FestivalProvider(), new FliteProvider(), new EspeakNgProvider(), new MespeakProvider());
  return speech;
}

/** `speech`: providers made already (`speechFromSettings`), to share their probes; default, made here. */
export function providersFromSettings(assets: AssetStore, settings: ProviderSettings, speech: SpeechProvider[] = speechFromSettings(settings)): PipelineDeps {

  const material: MaterialProvider[] = [new LocalLibraryProvider({ dir: settings.mediaLibrary ?? BUNDLED_MEDIA_LIBRARY })];
  if (settings.pexelsApiKey) material.push(new PexelsProvider({ apiKey: settings.pexelsApiKey }));
  if (settings.pixabayApiKey) material.push(new PixabayProvider({ apiKey: settings.pixabayApiKey }));

  const chat = settings.llmBaseUrl
    ? new OpenAiChatProvider({
      baseUrl: settings.llmBaseUrl, model: settings.llmModel,
      ...(settings.llmApiKey ? { apiKey: settings.llmApiKey } : {}),
    })
    : undefined;
  return { assets, media: mediaFromSettings(settings), speech, material, ...(chat ? { chat } : {}) };
}
