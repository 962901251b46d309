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
  /** Outputs of the component's dependencies, by component name. */
  deps: Readonly<Record<string, unknown>>;
  /** Aborted when the attempt times out or the worker shuts down. */
  signal: AbortSignal;
}

export type Handler = (ctx: HandlerContext) => Promise<unknown>;

export class HandlerRegistry {
  private readonly handlers = new Map<string, Handler>();

  register(name: string, handler: Handler): this {
    if (this.handlers.has(name)) throw new Error(`handler "${name}" is registered twice`);
    this.handlers.set(name, handler);
    return this;
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
