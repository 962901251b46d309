import { SlotflowError } from '../core/errors.ts';
import type { CompiledComponent } from '../core/flow/compile.ts';
import type { TaskSnapshot } from '../core/engine/task.ts';
import type { Engine } from './engine.ts';
import type { EngineServices } from './services.ts';

/**
 * A fan-out attempt: read the items from a dependency's output, then create
 * one child task per item (all at once, idempotently: a fan-out job that runs
 * again finds the children it already made). The component stays in flight
 * until the children settle; the engine answers it then.
 */

/** The fan-out cannot start: its items are missing or not a list, or there are too many. No retry changes that. */
export class FanOutError extends SlotflowError {
  override name = 'FanOutError';
  constructor(
    readonly component: string,
    code: 'fan-out-items' | 'fan-out-too-large',
    message: string,
  ) {
    super(message, { code });
  }
}

/** `over` is `Component.field` or just `field`, searched in every dependency's output. */
export function fanOutItems(component: CompiledComponent, deps: Readonly<Record<string, unknown>>): unknown[] {
  const over = component.fanOut!.over;
  const dot = over.indexOf('.');
  const sources = dot > 0 && over.slice(0, dot) in deps ? [[over.slice(0, dot), over.slice(dot + 1)] as const] : Object.keys(deps).map((d) => [d, over] as const);
  for (const [source, field] of sources) {
    let value: unknown = deps[source];
    for (const key of field.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (value === undefined) continue;
    if (!Array.isArray(value)) throw new FanOutError(component.name, 'fan-out-items', `fan_out.over ${over} is not a list in the output of ${source}`);
    return value;
  }
  throw new FanOutError(component.name, 'fan-out-items', `no dependency of ${component.name} has an output field ${over}`);
}

export async function startFanOut(
  engine: Pick<Engine, 'submitChildren'>,
  services: EngineServices,
  snap: TaskSnapshot,
  component: CompiledComponent,
  attempt: number,
  input: unknown,
  deps: Readonly<Record<string, unknown>>,
  inputs: Readonly<Record<string, unknown>>,
  cacheKey?: string,
): Promise<number> {
  const items = fanOutItems(component, deps);
  if (items.length > services.fanOutMax) {
    throw new FanOutError(component.name, 'fan-out-too-large', `${component.name} would create ${items.length} child tasks; at most ${services.fanOutMax} are allowed (SLOTFLOW_FANOUT_MAX)`);
  }
  const childFlow = services.resolveFlow(component.fanOut!.flow);
  // No task ids in a child's input: the same article gives the same inputs, so cached scene work is reused.
  // The children get the parent's inputs by role, not by component name, so renaming a parent component cannot break them.
  const childInputs = items.map((item, index) => ({
    item, index, count: items.length, parent: { component: component.name, input, inputs, ...(cacheKey ? { cache_key: cacheKey } : {}) },
  }));
  await engine.submitChildren(snap, component.name, attempt, childFlow, childInputs);
  return items.length;
}
