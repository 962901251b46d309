import { closest } from 'fastest-levenshtein';
import type { ComponentSpec } from './document.ts';
import type { ParamType } from './params.ts';
import { error, type FlowProblem, pointerToken, ProblemCode } from './problems.ts';

/**
 * What a component consumes, by role. A handler declares the output type it
 * produces and the roles it consumes (each with the output type it accepts);
 * a flow component may bind a role to a component by name in `inputs`, and an
 * unbound role goes to the one direct dependency whose output has the
 * accepted type. Handlers then read their inputs by role, so renaming a
 * component in a flow changes nothing a handler sees.
 *
 * A fan-out component has no handler of its own: every direct dependency
 * with a known output type is handed to the children under the name of that
 * type, and `inputs` may add or override roles of any name.
 *
 * The declarations come from outside (`HandlerCatalog`) so this stays pure.
 */

export interface RoleSpec {
  /** The output type a provider of this role must produce. */
  readonly accepts: string;
  /** An optional role with no provider is simply absent. */
  readonly optional?: boolean;
}

export interface HandlerSignature {
  readonly produces?: string;
  readonly consumes?: Readonly<Record<string, RoleSpec>>;
  /** The `params` keys the handler takes; when declared, any other key or a value of the wrong type is a load error. */
  readonly params?: Readonly<Record<string, ParamType>>;
}

/** The handlers' declarations, by handler name; undefined for a handler the catalog does not know. */
export interface HandlerCatalog {
  signatureOf(handler: string): HandlerSignature | undefined;
}

/** A catalog from a plain table. */
export function catalogOf(...tables: Array<Readonly<Record<string, HandlerSignature>>>): HandlerCatalog {
  const all = new Map(tables.flatMap((t) => Object.entries(t)));
  return { signatureOf: (handler) => all.get(handler) };
}

/** What a fan-out component produces: its children's outputs, typed by the child flow. */
export function fanOutOutputType(childFlow: string): string {
  return `${childFlow}[]`;
}

export function handlerOf(spec: ComponentSpec): string {
  return spec.handler ?? spec.component_name;
}

export function outputTypeOf(spec: ComponentSpec, catalog: HandlerCatalog): string | undefined {
  if (spec.kind === 'fanout' && spec.fan_out) return fanOutOutputType(spec.fan_out.flow);
  if (spec.kind === 'callback' || spec.kind === 'approval') return undefined;
  return catalog.signatureOf(handlerOf(spec))?.produces;
}

export interface ResolvedInputs {
  /** Role → the name of the component that provides it. */
  bindings: Record<string, string>;
  problems: FlowProblem[];
}

/**
 * Binds every role of `spec` to a component. `at` is the component's JSON
 * pointer; `byName` holds every component of the flow. Without a catalog only
 * the explicit bindings are checked and kept.
 */
export function resolveInputs(
  spec: ComponentSpec,
  at: string,
  byName: ReadonlyMap<string, ComponentSpec>,
  catalog: HandlerCatalog | undefined,
): ResolvedInputs {
  const bindings: Record<string, string> = {};
  const problems: FlowProblem[] = [];
  const explicit = spec.inputs ?? {};
  const fanOut = spec.kind === 'fanout';
  const declared = catalog && !fanOut && spec.kind !== 'callback' && spec.kind !== 'approval'
    ? catalog.signatureOf(handlerOf(spec))
    : undefined;
  const roles: Record<string, RoleSpec> = { ...(declared?.consumes ?? {}) };
  const typeOf = (name: string) => (catalog ? outputTypeOf(byName.get(name)!, catalog) : undefined);

  for (const [role, target] of Object.entries(explicit)) {
    const where = `${at}/inputs/${pointerToken(role)}`;
    if (declared && !(role in roles)) {
      const known = Object.keys(roles);
      const takes = known.length === 0 ? 'consumes no inputs' : `consumes only ${known.join(', ')}`;
      problems.push(error(ProblemCode.unknownRole, where, `handler "${handlerOf(spec)}" ${takes}; there is no role "${role}" to bind`));
      continue;
    }
    if (!byName.has(target)) {
      const names = [...byName.keys()].filter((n) => n !== spec.component_name);
      const hint = names.length > 0 ? ` (did you mean "${closest(target, names)}"?)` : '';
      problems.push(error(ProblemCode.unknownInput, where, `input "${role}" names component "${target}", which does not exist${hint}`));
      continue;
    }
    if (!spec.depends.includes(target)) {
      problems.push(error(ProblemCode.inputNotDependency, where,
        `input "${role}" names "${target}", which is not among this component's dependencies (${spec.depends.join(', ') || 'none'})`));
      continue;
    }
    const accepts = roles[role]?.accepts;
    const produces = typeOf(target);
    if (accepts !== undefined && produces !== undefined && produces !== accepts) {
      problems.push(error(ProblemCode.inputType, where,
        `input "${role}" takes output type "${accepts}", but "${target}" produces "${produces}"`));
      continue;
    }
    bindings[role] = target;
  }
  if (!catalog) return { problems, bindings };

  // A fan-out hands on every typed dependency; an ambiguous type is only a problem if nothing binds it.
  if (fanOut) {
    for (const dep of spec.depends) {
      const type = byName.has(dep) ? typeOf(dep) : undefined;
      if (type !== undefined && !(type in roles)) roles[type] = { accepts: type, optional: true };
    }
  }
  // An unknown dependency is reported on its own; guessing providers around it would only add noise.
  if (!spec.depends.every((d) => byName.has(d))) return { problems, bindings };
  for (const [role, { accepts, optional }] of Object.entries(roles)) {
    if (role in explicit) continue;
    const providers = spec.depends.filter((d) => typeOf(d) === accepts);
    if (providers.length === 1) bindings[role] = providers[0]!;
    else if (providers.length > 1) {
      problems.push(error(ProblemCode.ambiguousInput, `${at}/depends`,
        `input "${role}" (output type "${accepts}") could come from ${providers.map((p) => `"${p}"`).join(' or ')}; ` +
          `bind it with "inputs": { "${role}": "${providers[0]}" }`));
    } else if (!optional) {
      problems.push(error(ProblemCode.missingInput, `${at}/depends`,
        `handler "${handlerOf(spec)}" needs input "${role}" (output type "${accepts}"), but no dependency of "${spec.component_name}" ` +
          `produces one${spec.depends.length > 0 ? ` (depends: ${spec.depends.join(', ')})` : ''}`));
    }
  }
  return { problems, bindings };
}
