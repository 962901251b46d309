import { setTimeout as sleep } from 'node:timers/promises';
import type { HandlerContext, HandlerRegistry } from './registry.ts';
import { SlotflowError } from '../core/errors.ts';

/** The builtin handlers (docs/flows.md), for tests, benchmarks and flow authors. Their params are declared in core/flow/builtins.ts. */

/** A failure on purpose; retried like any transient failure, so flows can exercise their retry policy. */
export class BuiltinFailure extends SlotflowError {
  override name = 'BuiltinFailure';
  constructor(message: string) {
    super(message, { code: 'builtin-failure', retryable: true });
  }
}

async function noop(): Promise<unknown> {
  return {};
}

async function fail(ctx: HandlerContext): Promise<unknown> {
  throw new BuiltinFailure(`${ctx.component} uses builtin.fail, which always fails`);
}

async function sleepFor(ctx: HandlerContext): Promise<unknown> {
  const ms = Number(ctx.params.ms ?? 0);
  await sleep(ms, undefined, { signal: ctx.signal });
  return { slept_ms: ms };
}

async function flaky(ctx: HandlerContext): Promise<unknown> {
  const failTimes = Number(ctx.params.fail_times ?? 1);
  if (ctx.attempt <= failTimes) {
    throw new BuiltinFailure(`${ctx.component} attempt ${ctx.attempt} fails on purpose (builtin.flaky fails ${failTimes} time(s))`);
  }
  return { attempt: ctx.attempt };
}

export function registerBuiltins(registry: HandlerRegistry): HandlerRegistry {
  return registry
    .register('builtin.noop', noop)
    .register('builtin.fail', fail)
    .register('builtin.sleep', sleepFor)
    .register('builtin.flaky', flaky);
}
