import type { AssetStore } from '../adapters/asset-store.ts';
import type { SegmentEncoder } from '../adapters/ffmpeg/index.ts';
import type { IllustrationSet } from '../adapters/illustrations/fluent-emoji.ts';
import type { ChatProvider, MaterialProvider, SpeechProvider } from '../providers/types.ts';

/** What the pipeline's handlers work with; built from settings by `providersFromSettings`, passed in by tests. */
export interface PipelineDeps {
  assets: AssetStore;
  /** The ffmpeg runner and the encode slots every encoding handler of this pipeline shares. */
  media: SegmentEncoder;
  /** The first that speaks the language well is used, tried best first (`SPEECH_RANKING`), then in this order. */
  speech: SpeechProvider[];
  material: MaterialProvider[];
  chat?: ChatProvider;
  /** Illustrations chosen by a scene's words; default the bundled Fluent Emoji. */
  illustrations?: IllustrationSet;
}
