import { closest } from 'fastest-levenshtein';
import { BUILTIN_SIGNATURES, checkParam, isBuiltinName } from './builtins.ts';
import type { ComponentSpec, FlowDocument } from './document.ts';
import { type HandlerCatalog, resolveInputs } from './inputs.ts';
import { maskValue } from './masks.ts';
import { familyOf } from './queue-family.ts';
import { error, type FlowProblem, pointer, pointerToken, ProblemCode, warning } from './problems.ts';
import { SLOT_COUNT } from '../slot.ts';

/**
 * Semantic checks on a document that already passed the schema. Each kind of
 * mistake has its own code and message; every problem is reported, not just
 * the first.
 */

export interface LintContext {
  /** Names of the flows a `fan_out.flow` may name; unset skips that check. */
  knownFlows?: ReadonlySet<string>;
  /** The handlers' declared outputs and roles; unset checks only the targets of explicit `inputs`. */
  handlers?: HandlerCatalog;
}

interface Located {
  spec: ComponentSpec;
  at: string;
}

export function lintProblems(doc: FlowDocument, context: LintContext = {}): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const components = locate(doc);
  const byName = new Map<string, Located>();

  const moduleNames = new Map<string, number>();
  doc.modules.forEach((m, i) => {
    const first = moduleNames.get(m.module_name);
    if (first !== undefined) {
      problems.push(
        error(ProblemCode.duplicateModule, pointer('modules', i, 'module_name'),
          `duplicate module name "${m.module_name}" (first at /modules/${first})`),
      );
    } else moduleNames.set(m.module_name, i);
  });

  const slots = new Map<number, Located>();
  for (const c of components) {
    const name = c.spec.component_name;
    const first = byName.get(name);
    if (first) {
      problems.push(
        error(ProblemCode.duplicateComponent, `${c.at}/component_name`,
          `duplicate component name "${name}" (first at ${first.at})`),
      );
    } else byName.set(name, c);

    const slot = c.spec.slot_index;
    if (slot < 0 || slot >= SLOT_COUNT) {
      problems.push(
        error(ProblemCode.slotRange, `${c.at}/slot_index`,
          `slot_index ${slot} is outside 0..${SLOT_COUNT - 1} (a 64-bit word holds ${SLOT_COUNT} two-bit slots)`),
      );
      continue;
    }
    const owner = slots.get(slot);
    if (owner) {
      problems.push(
        error(ProblemCode.duplicateSlot, `${c.at}/slot_index`,
          `slot_index ${slot} of "${name}" is already used by "${owner.spec.component_name}" (${owner.at})`),
      );
    } else slots.set(slot, c);
    problems.push(...maskProblems(c));
  }

  for (const c of components) problems.push(...dependencyProblems(c, byName));
  problems.push(...cycleProblems(components, byName));
  problems.push(...statusChainProblems(doc));
  const specs = new Map([...byName].map(([name, c]) => [name, c.spec]));
  for (const c of components) {
    problems.push(...fanOutProblems(c, context), ...queueProblems(c));
    problems.push(...builtinProblems(c), ...handlerParamProblems(c, context));
    problems.push(...resolveInputs(c.spec, c.at, specs, context.handlers).problems);
  }
  return problems;
}

function locate(doc: FlowDocument): Located[] {
  return doc.modules.flatMap((m, mi) =>
    m.components.map((spec, ci) => ({ spec, at: pointer('modules', mi, 'components', ci) })),
  );
}

function maskProblems({ spec, at }: Located): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const slot = spec.slot_index;
  const expected = {
    slot_num_success: 1n << BigInt(2 * slot),
    slot_num_fail: 1n << BigInt(2 * slot + 1),
  };
  for (const field of ['slot_num_success', 'slot_num_fail'] as const) {
    const literal = spec[field];
    if (literal === undefined) continue;
    const value = maskValue(literal);
    if (value !== expected[field]) {
      const bit = field === 'slot_num_success' ? 2 * slot : 2 * slot + 1;
      problems.push(
        error(ProblemCode.maskMismatch, `${at}/${field}`,
          `${field} is ${String(literal)} but slot_index ${slot} needs ${expected[field]} (2^${bit}); ` +
            `slot ${slot} owns slot_num_success ${expected.slot_num_success} and slot_num_fail ${expected.slot_num_fail}`),
      );
    }
  }
  return problems;
}

function dependencyProblems({ spec, at }: Located, byName: Map<string, Located>): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const seen = new Set<string>();
  const names = [...byName.keys()].filter((n) => n !== spec.component_name);
  spec.depends.forEach((dep, i) => {
    const where = `${at}/depends/${i}`;
    if (dep === spec.component_name) {
      problems.push(error(ProblemCode.selfDependency, where, `"${dep}" depends on itself`));
    } else if (!byName.has(dep)) {
      const hint = names.length > 0 ? ` (did you mean "${closest(dep, names)}"?)` : '';
      problems.push(error(ProblemCode.unknownDependency, where, `unknown dependency "${dep}"${hint}`));
    } else if (seen.has(dep)) {
      problems.push(error(ProblemCode.duplicateDependency, where, `"${dep}" is listed twice in depends`));
    }
    seen.add(dep);
  });
  return problems;
}

/** Finds every dependency cycle (once each) with a depth-first search. */
function cycleProblems(components: Located[], byName: Map<string, Located>): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();

  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    const located = byName.get(name);
    for (const dep of located?.spec.depends ?? []) {
      if (dep === name || !byName.has(dep)) continue;
      const s = state.get(dep);
      if (s === 'visiting') {
        // The path runs from a component to the one it depends on; print it the way it reads.
        const cycle = stack.slice(stack.indexOf(dep));
        const key = [...cycle].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          const from = byName.get(cycle[0] as string) as Located;
          problems.push(
            error(ProblemCode.cycle, `${from.at}/depends`,
              `dependency cycle: ${[...cycle, cycle[0]].join(' -> ')}`),
          );
        }
      } else if (s === undefined) visit(dep);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const c of components) if (!state.has(c.spec.component_name)) visit(c.spec.component_name);
  return problems;
}

function statusChainProblems(doc: FlowDocument): FlowProblem[] {
  const problems: FlowProblem[] = [];
  for (let i = 0; i + 1 < doc.modules.length; i++) {
    const here = doc.modules[i]!;
    const next = doc.modules[i + 1]!;
    if (here.next_status !== next.status) {
      problems.push(
        warning(ProblemCode.statusChain, pointer('modules', i, 'next_status'),
          `module "${here.module_name}" ends in status "${here.next_status}" but the next module ` +
            `"${next.module_name}" starts in "${next.status}"`),
      );
    }
  }
  return problems;
}

function fanOutProblems({ spec, at }: Located, context: LintContext): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const fanOut = spec.fan_out;
  if (!fanOut) return problems;
  if (context.knownFlows && !context.knownFlows.has(fanOut.flow)) {
    const known = [...context.knownFlows];
    const hint = known.length > 0 ? ` (did you mean "${closest(fanOut.flow, known)}"?)` : '';
    problems.push(error(ProblemCode.unknownFanOutFlow, `${at}/fan_out/flow`,
      `fan_out.flow names flow "${fanOut.flow}", which does not exist${hint}`));
  }
  const dot = fanOut.over.indexOf('.');
  if (spec.depends.length === 0) {
    problems.push(error(ProblemCode.fanOutSource, `${at}/fan_out/over`,
      'fan_out.over reads a dependency\'s output, but the component has no dependencies'));
  } else if (dot > 0) {
    const source = fanOut.over.slice(0, dot);
    if (!spec.depends.includes(source)) {
      problems.push(error(ProblemCode.fanOutSource, `${at}/fan_out/over`,
        `fan_out.over reads "${source}", which is not among this component's dependencies (${spec.depends.join(', ')})`));
    }
  }
  return problems;
}

function builtinProblems({ spec, at }: Located): FlowProblem[] {
  const handler = spec.handler ?? spec.component_name;
  if (!isBuiltinName(handler)) return [];
  const signature = BUILTIN_SIGNATURES[handler];
  if (!signature) {
    return [error(ProblemCode.unknownBuiltin, spec.handler === undefined ? `${at}/component_name` : `${at}/handler`,
      `unknown builtin handler "${handler}" (known: ${Object.keys(BUILTIN_SIGNATURES).join(', ')})`)];
  }
  const problems: FlowProblem[] = [];
  const accepted = Object.keys(signature.params);
  for (const [key, value] of Object.entries(spec.params ?? {})) {
    const type = signature.params[key];
    if (!type) {
      const takes = accepted.length === 0 ? 'takes no params' : `takes only ${accepted.join(', ')}`;
      problems.push(error(ProblemCode.builtinParams, `${at}/params/${pointerToken(key)}`,
        `${handler} ${takes}; "${key}" would be ignored`));
      continue;
    }
    const complaint = checkParam(type, value);
    if (complaint) problems.push(error(ProblemCode.builtinParams, `${at}/params/${pointerToken(key)}`, `${handler} params.${key} ${complaint}`));
  }
  return problems;
}

/** `params` of a (non-builtin) handler that declares the ones it takes. */
function handlerParamProblems({ spec, at }: Located, context: LintContext): FlowProblem[] {
  const handler = spec.handler ?? spec.component_name;
  const declared = isBuiltinName(handler) ? undefined : context.handlers?.signatureOf(handler)?.params;
  if (!declared) return [];
  const problems: FlowProblem[] = [];
  const accepted = Object.keys(declared);
  for (const [key, value] of Object.entries(spec.params ?? {})) {
    const type = declared[key];
    const where = `${at}/params/${pointerToken(key)}`;
    if (!type) {
      problems.push(error(ProblemCode.handlerParams, where, `${handler} ${accepted.length === 0 ? 'takes no params' : `takes only ${accepted.join(', ')}`}; "${key}" would be ignored`));
      continue;
    }
    const complaint = checkParam(type, value);
    if (complaint) problems.push(error(ProblemCode.handlerParams, where, `${handler} params.${key} ${complaint}`));
  }
  return problems;
}

/** Only a job runs on its flow's workers: the engine's own work for the other kinds has a fixed family (`queue-family.ts`). */
function queueProblems({ spec, at }: Located): FlowProblem[] {
  const kind = spec.kind ?? 'job';
  if (spec.queue === undefined || kind === 'job') return [];
  const served = kind === 'approval' ? 'an approval waits for a person, on no queue' : `a ${kind} component is served by family "${familyOf(kind, undefined)}"`;
  return [error(ProblemCode.queueKind, `${at}/queue`, `"queue" is only for job components: ${served}`)];
}
