import { createHash } from 'node:crypto';
import type { ComponentKind, FanOutSpec, FlowDocument, WhenValue } from './document.ts';
import { type HandlerCatalog, outputTypeOf, resolveInputs } from './inputs.ts';
import { lintProblems, type LintContext } from './lint.ts';
import { error, FlowValidationError, type FlowProblem, hasErrors, ProblemCode } from './problems.ts';
import { familyOf } from './queue-family.ts';
import { schemaProblems } from './schema.ts';
import { failBit, slotBits, successBit } from '../slot.ts';

/**
 * A flow compiled for the scheduler: every mask the slot algebra needs is
 * computed once, as `bigint`, and the rest of the code trusts it.
 */

export const DEFAULT_RETRY_ATTEMPTS = 1;
/** Far deeper than any flow needs (modules > components > params …). */
export const MAX_NESTING = 64;

export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
export const DEFAULT_BACKOFF_MS = 1000;

export interface CompiledComponent {
  readonly name: string;
  readonly module: string;
  readonly moduleIndex: number;
  readonly slot: number;
  readonly kind: ComponentKind;
  readonly handler: string;
  /** The queue family whose workers serve it (`queue-family.ts`): `default` unless the component or its flow names one. */
  readonly queue: string;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly timeoutMs: number | undefined;
  readonly when: Readonly<Record<string, WhenValue | WhenValue[]>> | undefined;
  readonly fanOut: FanOutSpec | undefined;
  readonly params: Readonly<Record<string, unknown>>;
  /** Role → the component that provides it: the explicit `inputs` and, when compiled with the handlers' declarations, the roles resolved by output type. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The output type the component's handler declares, when known. */
  readonly outputType: string | undefined;
  /** Bit 2·slot. */
  readonly successBit: bigint;
  /** Bit 2·slot+1. */
  readonly failBit: bigint;
  /** Both of the slot's bits. */
  readonly bits: bigint;
  readonly depends: readonly string[];
  /** OR of the dependencies' success bits: satisfied when all of them are set. */
  readonly dependsMask: bigint;
  /** Components that name this one in `depends`. */
  readonly dependents: readonly string[];
  /** Every component reachable through `dependents`, transitively, in topological order. */
  readonly downstream: readonly string[];
  /** This slot's bits and those of its whole downstream closure: what a resume clears. */
  readonly resumeMask: bigint;
}

export interface CompiledModule {
  readonly name: string;
  readonly index: number;
  readonly status: string;
  readonly nextStatus: string;
  readonly components: readonly string[];
  readonly successMask: bigint;
  readonly failMask: bigint;
}

export interface CompiledFlow {
  readonly name: string;
  readonly version: number;
  readonly description: string;
  /** sha256 of the canonical JSON of the document: what a task pins. */
  readonly hash: string;
  readonly document: FlowDocument;
  readonly components: readonly CompiledComponent[];
  readonly byName: ReadonlyMap<string, CompiledComponent>;
  /** Component names, dependencies before dependents, ties in declaration order. */
  readonly order: readonly string[];
  readonly modules: readonly CompiledModule[];
  /** Every bit some slot owns. */
  readonly ownedBits: bigint;
  /** Every component's success bit. */
  readonly successMask: bigint;
  readonly failMask: bigint;
}

export interface ValidationResult {
  problems: FlowProblem[];
  flow?: CompiledFlow;
}

/** Schema first; the semantic checks only run on a document of the right shape. */
export function validateFlow(document: unknown, context: LintContext = {}): ValidationResult {
  // Checked without recursion first: a document nested thousands deep would overflow the stack of every recursive step after.
  if (nestedDeeperThan(document, MAX_NESTING)) {
    return { problems: [error(ProblemCode.schema, '', `the document is nested more than ${MAX_NESTING} levels deep`)] };
  }
  const schema = schemaProblems(document);
  if (schema.length > 0) return { problems: schema };
  const doc = document as FlowDocument;
  const problems = lintProblems(doc, context);
  if (hasErrors(problems)) return { problems };
  return { problems, flow: build(doc, context.handlers) };
}

/** Compiles a document, throwing `FlowValidationError` when it has errors. */
export function compileFlow(document: unknown, context: LintContext = {}): CompiledFlow {
  const result = validateFlow(document, context);
  if (!result.flow) {
    const name = (document as { flow?: unknown } | null)?.flow;
    throw new FlowValidationError(typeof name === 'string' ? name : '(unnamed)', result.problems);
  }
  return result.flow;
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function flowHash(doc: FlowDocument): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex');
}

function build(doc: FlowDocument, handlers: HandlerCatalog | undefined): CompiledFlow {
  const specs = doc.modules.flatMap((m, moduleIndex) =>
    m.components.map((spec, componentIndex) => ({ spec, module: m.module_name, moduleIndex, componentIndex })),
  );
  const specByName = new Map(specs.map(({ spec }) => [spec.component_name, spec]));
  const dependents = new Map<string, string[]>(specs.map(({ spec }) => [spec.component_name, []]));
  for (const { spec } of specs) for (const dep of spec.depends) dependents.get(dep)!.push(spec.component_name);

  const order = topologicalOrder(specs.map(({ spec }) => spec.component_name), dependents, specs);
  const rank = new Map(order.map((name, i) => [name, i]));
  const slotOf = new Map(specs.map(({ spec }) => [spec.component_name, spec.slot_index]));

  const components = specs.map(({ spec, module, moduleIndex, componentIndex }): CompiledComponent => {
    const downstream = closure(spec.component_name, dependents).sort((a, b) => rank.get(a)! - rank.get(b)!);
    const slot = spec.slot_index;
    return {
      name: spec.component_name,
      module,
      moduleIndex,
      slot,
      kind: spec.kind ?? 'job',
      handler: spec.handler ?? spec.component_name,
      queue: familyOf(spec.kind ?? 'job', spec.queue ?? doc.queue),
      attempts: spec.retry?.attempts ?? DEFAULT_RETRY_ATTEMPTS,
      backoffMs: spec.retry?.backoff_ms ?? DEFAULT_BACKOFF_MS,
      timeoutMs: spec.timeout_ms,
      when: spec.when,
      fanOut: spec.fan_out,
      params: spec.params ?? {},
      inputs: resolveInputs(spec, `/modules/${moduleIndex}/components/${componentIndex}`, specByName, handlers).bindings,
      outputType: handlers ? outputTypeOf(spec, handlers) : undefined,
      successBit: successBit(slot),
      failBit: failBit(slot),
      bits: slotBits(slot),
      depends: [...spec.depends],
      dependsMask: spec.depends.reduce((mask, dep) => mask | successBit(slotOf.get(dep)!), 0n),
      dependents: dependents.get(spec.component_name)!,
      downstream,
      resumeMask: [spec.component_name, ...downstream].reduce((mask, n) => mask | slotBits(slotOf.get(n)!), 0n),
    };
  });
  const byName = new Map(components.map((c) => [c.name, c]));

  const modules = doc.modules.map((m, index): CompiledModule => {
    const members = m.components.map((c) => byName.get(c.component_name)!);
    return {
      name: m.module_name,
      index,
      status: m.status,
      nextStatus: m.next_status,
      components: members.map((c) => c.name),
      successMask: members.reduce((mask, c) => mask | c.successBit, 0n),
      failMask: members.reduce((mask, c) => mask | c.failBit, 0n),
    };
  });

  return {
    name: doc.flow,
    version: doc.version ?? 1,
    description: doc.description ?? '',
    hash: flowHash(doc),
    document: doc,
    components,
    byName,
    order,
    modules,
    ownedBits: components.reduce((mask, c) => mask | c.bits, 0n),
    successMask: components.reduce((mask, c) => mask | c.successBit, 0n),
    failMask: components.reduce((mask, c) => mask | c.failBit, 0n),
  };
}

/** Kahn's algorithm; among the ready components the earliest declared goes first. */
function topologicalOrder(
  names: string[],
  dependents: Map<string, string[]>,
  specs: Array<{ spec: { component_name: string; depends: string[] } }>,
): string[] {
  const indegree = new Map(specs.map(({ spec }) => [spec.component_name, spec.depends.length]));
  const position = new Map(names.map((n, i) => [n, i]));
  const ready = names.filter((n) => indegree.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const next = ready.shift()!;
    order.push(next);
    for (const d of dependents.get(next)!) {
      const left = indegree.get(d)! - 1;
      indegree.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  return order;
}

function closure(start: string, dependents: Map<string, string[]>): string[] {
  const seen = new Set<string>();
  const todo = [...dependents.get(start)!];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    todo.push(...dependents.get(next)!);
  }
  return [...seen];
}
