import type { CompiledComponent, CompiledFlow } from './flow/compile.ts';
import type { WhenValue } from './flow/document.ts';
import { checkWord, type SlotState, slotState, SUCCESS_BITS, toHex, withSlotState, WORD_MASK } from './slot.ts';
import { SlotflowError } from './errors.ts';

/**
 * The slot algebra over a whole task word, for one compiled flow. Pure
 * functions over `bigint`; the scheduler, the completion path and the command
 * line all decide with these and nothing else.
 *
 * In-flight components are kept beside the word (`inFlight`, one bit per
 * component at its success-bit position) because "dispatched, not answered"
 * is not a slot state: it never satisfies a dependent and is not durable
 * progress.
 *
 * Task status (docs/flows.md): `failed` as soon as any slot is failed; otherwise the
 * `status` of the earliest module that has not fully succeeded; once all have,
 * the last module's `next_status`. `cancelled` is a fact about the task row,
 * not the word.
 *
 * Module state: `failed` when one of its slots failed; `succeeded` when every
 * slot succeeded or was skipped; `pending` when nothing in it has finished or
 * is in flight; otherwise `running`.
 */

export const ModuleState = {
  pending: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
} as const;
export type ModuleState = (typeof ModuleState)[keyof typeof ModuleState];

export function componentState(word: bigint, component: CompiledComponent): SlotState {
  return slotState(word, component.slot);
}

export function isPending(word: bigint, component: CompiledComponent): boolean {
  return (word & component.bits) === 0n;
}

/** Every dependency succeeded or was skipped. */
export function dependenciesSatisfied(word: bigint, component: CompiledComponent): boolean {
  return (word & component.dependsMask) === component.dependsMask;
}

/** Components ready to dispatch: own slot pending, not in flight, every dependency satisfied. In topological order. */
export function runnable(flow: CompiledFlow, word: bigint, inFlight = 0n): CompiledComponent[] {
  const ready: CompiledComponent[] = [];
  for (const name of flow.order) {
    const c = flow.byName.get(name)!;
    if (isPending(word, c) && (inFlight & c.successBit) === 0n && dependenciesSatisfied(word, c)) ready.push(c);
  }
  return ready;
}

export function succeed(word: bigint, component: CompiledComponent): bigint {
  return withSlotState(word, component.slot, 'succeeded');
}

export function fail(word: bigint, component: CompiledComponent): bigint {
  return withSlotState(word, component.slot, 'failed');
}

export function skip(word: bigint, component: CompiledComponent): bigint {
  return withSlotState(word, component.slot, 'skipped');
}

/**
 * Clears the component and its whole downstream closure back to pending;
 * every other slot is kept, and so is a skipped slot inside the closure: a
 * branch not taken stays not taken, since its `when` was decided on the
 * task's input, which a resume does not change (a restart keeps them too).
 */
export function clearForResume(word: bigint, component: CompiledComponent): bigint {
  const skippedLow = word & (word >> 1n) & SUCCESS_BITS;
  const skipped = skippedLow | (skippedLow << 1n);
  return word & (~component.resumeMask | skipped) & WORD_MASK;
}

/** Success bits of the slots that are failed (10), not skipped (11). */
export function failedSlots(flow: CompiledFlow, word: bigint): bigint {
  const failBits = word & flow.failMask;
  const successShifted = (word & flow.successMask) << 1n;
  return (failBits & ~successShifted) >> 1n;
}

export function isComplete(flow: CompiledFlow, word: bigint): boolean {
  return (word & flow.successMask) === flow.successMask;
}

export function hasFailed(flow: CompiledFlow, word: bigint): boolean {
  return failedSlots(flow, word) !== 0n;
}

/** Nothing can run or is running: the task is finished, one way or the other. */
export function isSettled(flow: CompiledFlow, word: bigint, inFlight = 0n): boolean {
  return (inFlight & flow.successMask) === 0n && runnable(flow, word, inFlight).length === 0;
}

export function moduleStates(flow: CompiledFlow, word: bigint, inFlight = 0n): ModuleState[] {
  const failed = failedSlots(flow, word);
  return flow.modules.map((m) => {
    if ((failed & m.successMask) !== 0n) return ModuleState.failed;
    if ((word & m.successMask) === m.successMask) return ModuleState.succeeded;
    const touched = (word & (m.successMask | m.failMask)) | (inFlight & m.successMask);
    return touched === 0n ? ModuleState.pending : ModuleState.running;
  });
}

export function taskStatus(flow: CompiledFlow, word: bigint): string {
  if (hasFailed(flow, word)) return 'failed';
  for (const m of flow.modules) if ((word & m.successMask) !== m.successMask) return m.status;
  return flow.modules[flow.modules.length - 1]!.nextStatus;
}

export function unknownBits(flow: CompiledFlow, word: bigint): bigint {
  return word & ~flow.ownedBits & WORD_MASK;
}

export interface DecodedComponent {
  module: string;
  component: string;
  slot: number;
  state: SlotState;
}

export interface DecodedWord {
  word: string;
  hex: string;
  flow: string;
  version: number;
  status: string;
  components: DecodedComponent[];
  modules: Array<{ module: string; state: ModuleState }>;
  unknown_bits: string;
}

export function decode(flow: CompiledFlow, word: bigint, inFlight = 0n): DecodedWord {
  checkWord(word);
  const states = moduleStates(flow, word, inFlight);
  return {
    word: word.toString(),
    hex: toHex(word),
    flow: flow.name,
    version: flow.version,
    status: taskStatus(flow, word),
    components: flow.components.map((c) => ({
      module: c.module,
      component: c.name,
      slot: c.slot,
      state: componentState(word, c),
    })),
    modules: flow.modules.map((m, i) => ({ module: m.name, state: states[i]! })),
    unknown_bits: toHex(unknownBits(flow, word)),
  };
}

export class UnknownComponentError extends SlotflowError {
  override name = 'UnknownComponentError';
  constructor(
    readonly flow: string,
    readonly component: string,
  ) {
    super(`flow ${flow} has no component "${component}"`, { code: 'unknown-component' });
  }
}

export function componentOf(flow: CompiledFlow, name: string): CompiledComponent {
  const c = flow.byName.get(name);
  if (!c) throw new UnknownComponentError(flow.name, name);
  return c;
}

/** The word in which each named component has the given state and every other slot is pending. */
export function encode(flow: CompiledFlow, states: Readonly<Record<string, SlotState>>): bigint {
  let word = 0n;
  for (const [name, state] of Object.entries(states)) word = withSlotState(word, componentOf(flow, name).slot, state);
  return word;
}

/** The value at a dotted path of the task input, or undefined. */
export function valueAt(input: unknown, path: string): unknown {
  let here: unknown = input;
  for (const key of path.split('.')) {
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, key)) return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

export function whenMatches(when: Readonly<Record<string, WhenValue | WhenValue[]>>, input: unknown): boolean {
  return Object.entries(when).every(([path, allowed]) => {
    const value = valueAt(input, path);
    const options = Array.isArray(allowed) ? allowed : [allowed];
    return options.some((option) => option === value);
  });
}

/** The word a new task starts with: every component whose `when` does not match is skipped. */
export function initialWord(flow: CompiledFlow, input: unknown): bigint {
  let word = 0n;
  for (const c of flow.components) if (c.when && !whenMatches(c.when, input)) word = skip(word, c);
  return word;
}
