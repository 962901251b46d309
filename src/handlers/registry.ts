import type { HandlerCatalog, HandlerSignature } from '../core/flow/inputs.ts';
import { UnknownHandlerError } from './errors.ts';

/**
 * Handlers are registered by name; a flow component's `handler` (default: its
 * name) resolves here, so adding a component is a JSON edit plus one handler.
 */

export interface HandlerContext {
  taskId: string;
  component: string;
  attempt: number;
  /** The task's input snapshot. */
  input: unknown;
  params: Readonly<Record<string, unknown>>;
  /** Outputs of the components bound to the handler's roles, by role (see `HandlerSignature`). */
  inputs: Readonly<Record<string, unknown>>;
  /** Outputs of the component's dependencies, by component name, for handlers that declare no roles. */
  deps: Readonly<Record<string, unknown>>;
  /** Aborted when the attempt times out or the worker shuts down. */
  signal: AbortSignal;
  /** Records a file the handler made or reused in the asset store, with the provider and the time it took. */
  recordAsset(asset: RecordedAsset): void;
}

/** A file a handler made or reused, as it reports it. */
export interface RecordedAsset {
  kind: string;
  provider: string;
  path: string;
  hash: string;
  bytes: number;
  latencyMs: number;
  costUsd?: number | null;
  reused?: boolean;
  scene?: number;
  /**
   * The asset graph: what it was made from, each `sha256:<hash>` of another asset (resolved to that asset's id
   * in views) or `snapshot:<field>` of the request snapshot. Absent for assets outside the graph.
   */
  inputs?: string[];
  /** The stage that made it; default the component's name. */
  stage?: string;
  /** Scores a check gave it (fidelity), stored with it. */
  scores?: Record<string, unknown>;
}

export type Handler = (ctx: HandlerContext) => Promise<unknown>;

export interface HandlerOptions extends HandlerSignature {
  /**
   * Outputs depend only on the inputs (task input, params, dependency
   * outputs), so an earlier output for the same inputs is reused instead of
   * running again. Bump the version when the handler's behaviour changes.
   * `context` is what else the output depends on that no input says (the
   * voice this machine would choose), asked for when the component runs and
   * part of the key when it answers something.
   */
  cache?: { version: string; context?: () => Promise<unknown> };
}

export class HandlerRegistry implements HandlerCatalog {
  private readonly handlers = new Map<string, Handler>();
  private readonly options = new Map<string, HandlerOptions>();

  register(name: string, handler: Handler, options: HandlerOptions = {}): this {
    if (this.handlers.has(name)) throw new Error(`handler "${name}" is registered twice`);
    this.handlers.set(name, handler);
    this.options.set(name, options);
    return this;
  }

  optionsOf(name: string): HandlerOptions {
    return this.options.get(name) ?? {};
  }

  /** What the handler declared it produces, consumes and takes as `params`; undefined when it declared none of them. */
  signatureOf(name: string): HandlerSignature | undefined {
    const { produces, consumes, params } = this.optionsOf(name);
    if (produces === undefined && consumes === undefined && params === undefined) return undefined;
    return { ...(produces !== undefined ? { produces } : {}), ...(consumes !== undefined ? { consumes } : {}), ...(params !== undefined ? { params } : {}) };
  }

  get(name: string): Handler {
    const handler = this.handlers.get(name);
    if (!handler) throw new UnknownHandlerError(name);
    return handler;
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }
}
