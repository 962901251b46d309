import type { AssetStore } from '../adapters/asset-store.ts';
import type { CompiledFlow } from '../core/flow/compile.ts';
import type { Clock } from './server-clock.ts';

/** What the engine's own kinds of work (callbacks, fan-outs, deadlines) need from the deployment. */
export interface EngineServices {
  /** Signs and checks callback tokens. */
  callbackSecret: string;
  /** Our own base URL, as external services reach it: callback URLs start with it. */
  publicUrl: string;
  /** Base URL that relative `params.url` of callback components resolve against. */
  servicesUrl: string | undefined;
  /** A callback token stays valid this long past the attempt's deadline. */
  tokenGraceMs: number;
  /** What callback deadlines and token expiries are judged by: MySQL's clock, so a host's skewed clock does not matter. */
  clock: Clock;
  /** Default deadline of a callback attempt without `timeout_ms`. */
  callbackTimeoutMs: number;
  /** Most items one fan-out may create. */
  fanOutMax: number;
  /** The flow a fan-out's children run, by name. */
  resolveFlow(name: string): CompiledFlow;
  /** The asset store and result cache; without one nothing is cached. */
  assets?: AssetStore;
}
