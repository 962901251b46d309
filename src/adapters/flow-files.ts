import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jsonSourceMap from 'json-source-map';
import { type CompiledFlow, validateFlow } from '../core/flow/compile.ts';
import type { HandlerCatalog } from '../core/flow/inputs.ts';
import { STANDARD_HANDLERS } from '../handlers/catalog.ts';
import { error, FlowValidationError, type FlowProblem, ProblemCode } from '../core/flow/problems.ts';
import { SlotflowError } from '../core/errors.ts';

/**
 * Flow files on disk: reading them (keeping mask literals exact), finding a
 * flow by name or path, and knowing which flow names exist for `fan_out`.
 */

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUNDLED_FLOWS_DIR = path.join(PACKAGE_ROOT, 'flows');

const MASK_FIELD = /^\/modules\/\d+\/components\/\d+\/slot_num_(success|fail)$/;

export interface FlowFile {
  file: string;
  text: string;
  document?: unknown;
  problems: FlowProblem[];
}

export function parseFlowText(file: string, text: string): FlowFile {
  let parsed: ReturnType<typeof jsonSourceMap.parse>;
  try {
    parsed = jsonSourceMap.parse(text);
  } catch (e) {
    return { file, text, problems: [error(ProblemCode.parse, '', `not valid JSON: ${locateParseError(text, (e as Error).message)}`)] };
  }
  const document = parsed.data;
  // Digit-only mask literals travel as strings so 2^63-1 is not rounded to 2^63.
  for (const [pointer, where] of Object.entries(parsed.pointers)) {
    if (!MASK_FIELD.test(pointer)) continue;
    const literal = text.slice(where.value.pos, where.valueEnd.pos);
    if (typeof valueAt(document, pointer) !== 'number') continue;
    const exact = exactInteger(literal);
    setAt(document, pointer, exact === undefined ? literal : exact.toString());
  }
  return { file, text, document, problems: [] };
}

/** The exact integer a JSON number literal denotes (`9.223372036854775807e18` included), or undefined when it is not an integer. */
export function exactInteger(literal: string): bigint | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!m) return undefined;
  const fraction = m[3] ?? '';
  const shift = Number(m[4] ?? 0) - fraction.length;
  let value = BigInt(m[2]! + fraction);
  if (shift >= 0) value *= 10n ** BigInt(shift);
  else {
    const divisor = 10n ** BigInt(-shift);
    if (value % divisor !== 0n) return undefined;
    value /= divisor;
  }
  return m[1] ? -value : value;
}

/** Adds the line and column to a parser message that only gives a character position. */
function locateParseError(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return message;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+/, '')} at line ${line}, column ${column}`;
}

function valueAt(document: unknown, pointer: string): unknown {
  let here = document as Record<string, unknown> | undefined;
  for (const t of pointer.slice(1).split('/')) here = here?.[t] as Record<string, unknown> | undefined;
  return here;
}

function setAt(document: unknown, pointer: string, value: unknown): void {
  const tokens = pointer.slice(1).split('/');
  const last = tokens.pop()!;
  let here = document as Record<string, unknown>;
  for (const t of tokens) here = here[t] as Record<string, unknown>;
  here[last] = value;
}

export function readFlowFile(file: string): FlowFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { file, text: '', problems: [error(ProblemCode.parse, '', `cannot read file: ${(e as Error).message}`)] };
  }
  return parseFlowText(file, text);
}

/**
 * Where flows are looked up by name: `extraDir` (the `SLOTFLOW_FLOWS_DIR`
 * setting) when given, the working directory's `flows/`, then the bundled ones.
 */
export function flowDirs(cwd = process.cwd(), extraDir?: string): string[] {
  const extra = extraDir ? [path.resolve(cwd, extraDir)] : [];
  const dirs = [...extra, path.join(cwd, 'flows'), BUNDLED_FLOWS_DIR];
  return [...new Set(dirs.map((d) => path.resolve(d)))].filter((d) => existsSync(d));
}

/** JSON files beside the flows that are no flows: product creative's routing of output modes to flows. */
export const ROUTING_FILES: ReadonlySet<string> = new Set(['product-modes.json', 'presenter-routes.json']);

export function flowFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !ROUTING_FILES.has(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The `flow` name a flow file declares, read with plain JSON (the exact mask literals of `parseFlowText` are not needed here). */
function flowNameIn(file: string): string | undefined {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { flow?: unknown } | null;
    return typeof doc?.flow === 'string' ? doc.flow : undefined;
  } catch {
    return undefined;
  }
}

/** Names a `fan_out.flow` may use: the files beside `file` and in every flow directory. */
export function knownFlowNames(file?: string, cwd = process.cwd(), extraDir?: string): Set<string> {
  const dirs = new Set(flowDirs(cwd, extraDir));
  if (file) dirs.add(path.dirname(path.resolve(file)));
  const names = new Set<string>();
  for (const dir of dirs) {
    for (const f of flowFilesIn(dir)) {
      names.add(path.basename(f, '.json'));
      const name = flowNameIn(f);
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}

export class FlowNotFoundError extends SlotflowError {
  override name = 'FlowNotFoundError';
  constructor(
    readonly ref: string,
    readonly searched: readonly string[],
  ) {
    super(`no flow "${ref}" (looked for ${searched.join(', ')})`, { code: 'unknown-flow' });
  }
}

/** A flow reference is a path when it names an existing file or ends in .json; otherwise a name in the flow directories. */
export function resolveFlowFile(ref: string, cwd = process.cwd(), extraDir?: string): string {
  const asPath = path.resolve(cwd, ref);
  if (ref.endsWith('.json') || ref.includes('/') || ref.includes(path.sep)) {
    if (existsSync(asPath)) return asPath;
    throw new FlowNotFoundError(ref, [asPath]);
  }
  const candidates = flowDirs(cwd, extraDir).map((d) => path.join(d, `${ref}.json`));
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new FlowNotFoundError(ref, candidates.length > 0 ? candidates : [path.join(cwd, 'flows', `${ref}.json`)]);
  return found;
}

export interface CheckedFlowFile extends FlowFile {
  flow?: CompiledFlow;
}

/** `handlers` declares what each handler produces and consumes, so the flow's `inputs` are checked and resolved. */
export function checkFlowFile(file: string, cwd = process.cwd(), extraDir?: string, handlers: HandlerCatalog = STANDARD_HANDLERS): CheckedFlowFile {
  const read = readFlowFile(file);
  if (read.document === undefined) return read;
  const result = validateFlow(read.document, { knownFlows: knownFlowNames(file, cwd, extraDir), handlers });
  return { ...read, problems: result.problems, ...(result.flow ? { flow: result.flow } : {}) };
}

/** Resolves, reads, validates and compiles; throws on anything wrong. */
export function loadFlow(ref: string, cwd = process.cwd(), extraDir?: string): CompiledFlow {
  const file = resolveFlowFile(ref, cwd, extraDir);
  const checked = checkFlowFile(file, cwd, extraDir);
  if (!checked.flow) throw new FlowValidationError(ref, checked.problems);
  return checked.flow;
}

/** The flows of the flow directories that load, once per name (the first directory that has a name wins). */
export function installedFlows(cwd = process.cwd(), extraDir?: string): CompiledFlow[] {
  const names = new Set(flowDirs(cwd, extraDir).flatMap((dir) => flowFilesIn(dir).map((f) => path.basename(f, '.json'))));
  const flows: CompiledFlow[] = [];
  for (const name of [...names].sort()) {
    try {
      flows.push(loadFlow(name, cwd, extraDir));
    } catch {
      // A flow that does not load runs no task.
    }
  }
  return flows;
}
