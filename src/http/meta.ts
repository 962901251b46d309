import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AssetStore } from '../adapters/asset-store.ts';
import { flowDirs, flowFilesIn } from '../adapters/flow-files.ts';
import type { CompiledFlow } from '../core/flow/compile.ts';
import { FORMATS } from '../pipeline/formats.ts';
import { CAPTION_STYLES, MAX_DURATION_S, MIN_DURATION_S } from '../pipeline/submission.ts';
import { TONE_STYLES } from '../pipeline/tones.ts';
import { speechFromSettings as speechProvidersFromSettings } from '../pipeline/providers.ts';
import { compileSettings, type Settings } from '../settings.ts';
import { routeFlow } from '../pipeline/router.ts';
import { STANDARD_HANDLERS } from '../handlers/catalog.ts';
import type { SpeechProvider } from '../providers/types.ts';
import { installedVoices, type RankedVoice } from '../pipeline/voices.ts';

export { installedVoices, type RankedVoice };

/**
 * `GET /v1/meta`: what this server can do, for the editors' page and other
 * clients to offer only that. The flows are the ones that load (a broken
 * file is left out), the formats the pipeline renders, the voices the
 * installed speech providers offer, the tones with what each changes, the
 * caption styles, and the bounds of a target length.
 */

export const META_ROUTE = '/v1/meta';
/** The handler that reads the user's own scenes (`input.script`) instead of an article. */
const SCRIPT_HANDLER = 'script.load';
const PROMPT_HANDLER = 'prompt.plan';

export interface MetaFlow {
  name: string;
  version: number;
  description: string;
  /** Run only as a fan-out's child of another flow, never submitted on its own. */
  child: boolean;
  /** What a submission gives it: an article, or a script of scenes (`POST /v1/tasks` `script`). */
  input: 'article' | 'script' | 'prompt';
  /** The flow a submission that names none runs. */
  default: boolean;
  /** The output type of its last component (`video`, `bundle`; null for a flow of built-in test handlers): what a finished task hands over. */
  makes: string | null;
}

export interface MetaFormat {
  name: string;
  width: number;
  height: number;
  orientation: string;
}

export interface MetaTone {
  name: string;
  speech_rate: number;
  pitch_semitones: number;
  /** The caption style it picks when `options.captions` names none. */
  captions: string;
}

export interface Meta {
  flows: MetaFlow[];
  formats: MetaFormat[];
  voices: RankedVoice[];
  tones: MetaTone[];
  caption_styles: string[];
  duration_s: { min: number; max: number };
}

export interface MetaDeps {
  /** Loads a flow by name, throwing when it does not load. */
  resolveFlow(name: string): CompiledFlow;
  /** Where flows are looked up by name, first wins. */
  flowDirs(): string[];
  speech: readonly SpeechProvider[];
}

/** The flows that load, by name, once each (the first directory that has a name wins, as in lookup). */
export function loadableFlows(deps: Pick<MetaDeps, 'resolveFlow' | 'flowDirs'>): MetaFlow[] {
  const names = new Set(deps.flowDirs().flatMap((dir) => flowFilesIn(dir).map((f) => path.basename(f, '.json'))));
  const flows: CompiledFlow[] = [];
  for (const name of [...names].sort()) {
    try {
      flows.push(deps.resolveFlow(name));
    } catch {
      // A flow that does not load cannot be run, so it is not offered.
    }
  }
  const children = new Set(flows.flatMap((f) => f.components.flatMap((c) => (c.fanOut ? [c.fanOut.flow] : []))));
  const fallback = routeFlow({ input: {} });
  return flows.map((f) => ({
    name: f.name, version: f.version, description: f.description, child: children.has(f.name),
    input: inputOf(f), default: f.name === fallback,
    makes: STANDARD_HANDLERS.signatureOf(f.byName.get(f.order[f.order.length - 1]!)!.handler)?.produces ?? null,
  }));
}

/** What a submission to the flow gives: a prompt, a script of scenes, or an article. */
function inputOf(flow: CompiledFlow): 'prompt' | 'script' | 'article' {
  if (flow.components.some((c) => c.handler === PROMPT_HANDLER)) return 'prompt';
  return flow.components.some((c) => c.handler === SCRIPT_HANDLER) ? 'script' : 'article';
}

export async function meta(deps: MetaDeps): Promise<Meta> {
  return {
    flows: loadableFlows(deps),
    formats: Object.entries(FORMATS).map(([name, f]) => ({ name, width: f.width, height: f.height, orientation: f.orientation })),
    voices: await installedVoices(deps.speech),
    tones: Object.entries(TONE_STYLES).map(([name, t]) => ({ name, speech_rate: t.speech.rate, pitch_semitones: t.speech.pitchSemitones, captions: t.captions })),
    caption_styles: [...CAPTION_STYLES],
    duration_s: { min: MIN_DURATION_S, max: MAX_DURATION_S },
  };
}

export function registerMetaRoute(app: FastifyInstance, deps: MetaDeps): void {
  app.get(META_ROUTE, async () => meta(deps));
}

/** What a server without its own `speech` list offers: the providers the settings configure. */
export function speechFromSettings(settings: Settings | undefined, _assets?: AssetStore): SpeechProvider[] {
  return speechProvidersFromSettings(settings ?? compileSettings());
}

/** The directories flows are looked up in by name, for `MetaDeps.flowDirs`. */
export const flowDirsOf = (extraDir: string | undefined) => (): string[] => flowDirs(process.cwd(), extraDir);
