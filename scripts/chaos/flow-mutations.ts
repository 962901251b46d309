import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { BUNDLED_FLOWS_DIR, checkFlowFile, knownFlowNames, parseFlowText } from '../../src/adapters/flow-files.ts';
import { validateFlow, type ValidationResult } from '../../src/core/flow/compile.ts';
import type { FlowProblem } from '../../src/core/flow/problems.ts';

/**
 * Random mutations of the shipped flows, through the validator as a flow
 * file goes: the text through `parseFlowText` (or a file through
 * `checkFlowFile`), the document through `validateFlow`. Two kinds:
 *
 *   document  up to four edits of the parsed JSON: delete, replace with a
 *             hostile value, change a type, duplicate an array element, add a
 *             hostile key, link a dependency (cycles, self, duplicates),
 *             rename onto another component, nest a value thousands deep
 *   text      up to eight edits of the file's characters: cut, insert a
 *             hostile snippet, duplicate a stretch, truncate
 *
 * The only acceptable outcomes are a compiled flow with no errors, or
 * well-formed problems (severity, JSON pointer, message) with at least one
 * error; a throw is a crash, and so is a validation slower than `SLOW_MS`.
 * The samples come from a seed, so a failure reproduces with the same seed.
 */

export const SLOW_MS = 2000;
export const DEFAULT_SEED = 20261122;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Token = string | number;

export interface MutationReport {
  runs: number;
  compiled: number;
  refused: number;
  /** Through `checkFlowFile` on a temp file rather than in memory. */
  viaFiles: number;
  /** Thrown by the validator: must stay empty. */
  crashes: Array<{ sample: number; kind: string; error: string }>;
  /** Hand-made cases run first (sample numbers below 0), as `what: outcome`. */
  handmade: string[];
  /** Mutations the harness itself could not make (not the validator's fault); counted apart. */
  harnessErrors: number;
  malformed: Array<{ sample: number; kind: string; why: string }>;
  slow: Array<{ sample: number; kind: string; ms: number }>;
  maxMs: number;
  problemCodes: Record<string, number>;
  seed: number;
}

const HOSTILE_STRINGS = [
  '', ' ', '\u0000', '\u202e', '🎬', '../../etc/passwd', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  '0x', '0x1', '0x10', '0xffffffffffffffffffff', '1e309', '-1', '4', '9223372036854775808', '18446744073709551616', '٣', 'job', 'fanout',
  'builtin.sleep', 'builtin.nope', 'scene', 'article-video', 'TextUnderstanding', 'x'.repeat(300), 'y'.repeat(70000),
];
const HOSTILE_NUMBERS = [-1, 0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 62, 2 ** 63, 2 ** 64, 1e308, -0, 0.5, -1e-300];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', '', '$schema', 'when', 'fan_out', 'retry', 'params', 'kind', 'handler', 'timeout_ms', 'x'.repeat(1000)];
const TEXT_SNIPPETS = ['{', '}', '[', ']', '"', ',', ':', '\\', '\\u0000', '\u0000', '\ud800', '1e999', '-0', '0x10', 'NaN', 'Infinity', 'null', 'true',
  '"__proto__": {"polluted": 1},', '"flow": 1,', '/*', '\ufeff', '\u2028', '"slot_index": 99,', '"depends": ["TextUnderstanding"],', '9'.repeat(400)];
const NEST_DEPTHS = [50, 1000, 4500];

const jsonValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom<Json>(null, true, false, [], {}, [null], { '': null }),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

export interface DocEdit {
  at: number;
  op: 'delete' | 'replace' | 'retype' | 'duplicate' | 'add-key' | 'link' | 'rename' | 'nest';
  value: Json;
  key: string;
  other: number;
  depth: number;
}

export interface TextEdit {
  at: number;
  length: number;
  op: 'cut' | 'insert' | 'duplicate' | 'truncate' | 'replace';
  snippet: string;
}

const docEdit: fc.Arbitrary<DocEdit> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom<DocEdit['op'][]>('delete', 'replace', 'retype', 'duplicate', 'add-key', 'link', 'rename', 'nest'),
  value: jsonValue,
  key: fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 12 })),
  other: fc.nat(),
  depth: fc.constantFrom(...NEST_DEPTHS),
});

const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  at: fc.nat(),
  length: fc.nat({ max: 40 }),
  op: fc.constantFrom<TextEdit['op'][]>('cut', 'insert', 'duplicate', 'truncate', 'replace'),
  snippet: fc.oneof(fc.constantFrom(...TEXT_SNIPPETS), fc.string({ maxLength: 8 })),
});

export const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('document' as const), base: fc.nat(), edits: fc.array(docEdit, { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('text' as const), base: fc.nat(), edits: fc.array(textEdit, { minLength: 1, maxLength: 8 }) }),
);
export type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

/** Positions in the document, as JSON pointer tokens, down to `MAX_EDIT_DEPTH` (a flow is about 8 deep; nested values are not walked). */
const MAX_EDIT_DEPTH = 12;
function positions(value: Json, at: Token[] = [], out: Token[][] = []): Token[][] {
  out.push(at);
  if (at.length >= MAX_EDIT_DEPTH) return out;
  if (Array.isArray(value)) value.forEach((v, i) => positions(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) positions(v, [...at, k], out);
  return out;
}

function parentOf(doc: Json, at: Token[]): { parent: Json; key: Token } | undefined {
  if (at.length === 0) return undefined;
  let here = doc;
  for (const t of at.slice(0, -1)) here = (here as Record<string, Json>)[t as string]!;
  return { parent: here, key: at.at(-1)! };
}

function nested(depth: number, leaf: Json): Json {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { n: v };
  return v;
}

function componentNames(doc: Json): string[] {
  // An earlier edit may have replaced the whole document with null or a scalar.
  if (doc === null || typeof doc !== 'object') return [];
  const modules = (doc as { modules?: unknown }).modules;
  if (!Array.isArray(modules)) return [];
  return modules.flatMap((m) => (Array.isArray((m as { components?: unknown })?.components) ? (m as { components: unknown[] }).components : []))
    .map((c) => (c as { component_name?: unknown })?.component_name)
    .filter((n): n is string => typeof n === 'string');
}

function retype(v: Json): Json {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return Number.isNaN(Number(v)) ? [v] : Number(v);
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  if (v !== null && typeof v === 'object') return Object.values(v);
  return v === null ? 0 : String(v);
}

export function mutateDocument(base: Json, edits: readonly DocEdit[]): Json {
  let root: Json = structuredClone(base);
  for (const e of edits) {
    const all = positions(root);
    const at = all[e.at % all.length]!;
    const place = parentOf(root, at);
    const current = place ? (place.parent as Record<string, Json>)[place.key as string]! : root;
    const set = (v: Json) => {
      if (!place) root = v;
      else (place.parent as Record<string, Json>)[place.key as string] = v;
    };
    switch (e.op) {
      case 'delete':
        if (place && Array.isArray(place.parent)) place.parent.splice(place.key as number, 1);
        else if (place) delete (place.parent as Record<string, Json>)[place.key as string];
        break;
      case 'replace':
        set(e.value);
        break;
      case 'retype':
        set(retype(current));
        break;
      case 'duplicate':
        // The same value again, not a copy: a copy of a value nested thousands deep would overflow here rather than in the validator.
        if (place && Array.isArray(place.parent)) place.parent.push(current);
        break;
      case 'add-key':
        if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
          // defineProperty, so a key named __proto__ is an own key as JSON.parse would make it.
          Object.defineProperty(current, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
        }
        break;
      case 'link': {
        // Adds a dependency on some component (maybe itself, maybe a dependent: cycles, duplicates).
        const names = componentNames(root);
        if (Array.isArray(current) && names.length > 0) current.push(names[e.other % names.length]!);
        else if (current !== null && typeof current === 'object' && Array.isArray((current as { depends?: unknown }).depends) && names.length > 0) {
          (current as { depends: Json[] }).depends.push(names[e.other % names.length]!);
        }
        break;
      }
      case 'rename': {
        const names = componentNames(root);
        if (current !== null && typeof current === 'object' && 'component_name' in current && names.length > 0) {
          (current as Record<string, Json>).component_name = names[e.other % names.length]!;
        }
        break;
      }
      case 'nest':
        set(nested(e.depth, e.value));
        break;
    }
  }
  return root;
}

export function mutateText(base: string, edits: readonly TextEdit[]): string {
  let text = base;
  for (const e of edits) {
    const at = text.length === 0 ? 0 : e.at % text.length;
    switch (e.op) {
      case 'cut':
        text = text.slice(0, at) + text.slice(at + e.length);
        break;
      case 'insert':
        text = text.slice(0, at) + e.snippet + text.slice(at);
        break;
      case 'duplicate':
        text = text.slice(0, at + e.length) + text.slice(at, at + e.length) + text.slice(at + e.length);
        break;
      case 'truncate':
        text = text.slice(0, at);
        break;
      case 'replace':
        text = text.slice(0, at) + e.snippet + text.slice(at + Math.max(1, e.snippet.length));
        break;
    }
  }
  return text;
}

/** What is wrong with a validation result, or undefined when it is one of the two acceptable outcomes. */
export function malformedResult(result: ValidationResult): string | undefined {
  if (!Array.isArray(result.problems)) return 'problems is not an array';
  const bad = result.problems.find((p: FlowProblem) =>
    (p.severity !== 'error' && p.severity !== 'warning') || typeof p.pointer !== 'string' || (p.pointer !== '' && !p.pointer.startsWith('/')) ||
    typeof p.message !== 'string' || p.message.trim() === '');
  if (bad) return `a malformed problem: ${JSON.stringify(bad).slice(0, 300)}`;
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (result.flow && errors.length > 0) return `compiled despite ${errors.length} error(s)`;
  if (!result.flow && errors.length === 0) return 'neither compiled nor any error';
  if (result.flow && typeof result.flow.successMask !== 'bigint') return 'compiled flow without a bigint success mask';
  return undefined;
}

/**
 * Hand-made hostile documents run before the random ones, so the cases that
 * matter most do not depend on the dice: free-form `params` nested deep
 * enough to overflow a recursive walk, as a document and as a file.
 */
export function handmadeCases(bases: ReadonlyArray<{ file: string; text: string; document: Json }>): Array<{ what: string; kind: 'document' | 'text'; input: Json | string }> {
  const article = bases.find((b) => b.file.endsWith('article-video.json')) ?? bases[0]!;
  const out: Array<{ what: string; kind: 'document' | 'text'; input: Json | string }> = [];
  for (const depth of [100, 1000, 3500, 4500, 20000]) {
    const doc = structuredClone(article.document) as { modules: Array<{ components: Array<Record<string, Json>> }> };
    doc.modules[0]!.components[0]!.params = { deep: nested(depth, 1) };
    out.push({ what: `params nested ${depth} deep (document)`, kind: 'document', input: doc as unknown as Json });
    const open = '['.repeat(depth);
    const text = article.text.replace('"depends": []', `"depends": [], "params": {"deep": ${open}1${']'.repeat(depth)}}`);
    out.push({ what: `params nested ${depth} deep (file text)`, kind: 'text', input: text });
  }
  return out;
}

export interface MutationOptions {
  runs: number;
  seed?: number;
  /** One sample in this many goes through a real file and `checkFlowFile`. */
  fileEvery?: number;
}

export async function fuzzFlows(opts: MutationOptions): Promise<MutationReport> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const fileEvery = opts.fileEvery ?? 50;
  const files = readdirSync(BUNDLED_FLOWS_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(BUNDLED_FLOWS_DIR, f));
  const bases = files.map((file) => {
    const text = readFileSync(file, 'utf8');
    return { file, text, document: parseFlowText(file, text).document as Json };
  });
  const knownFlows = knownFlowNames();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-chaos-flows-'));
  const report: MutationReport = {
    runs: 0, compiled: 0, refused: 0, viaFiles: 0, crashes: [], handmade: [], harnessErrors: 0, malformed: [], slow: [], maxMs: 0, problemCodes: {}, seed,
  };
  /** Validates one input and files the outcome; returns a short description. */
  const judge = (sample: number, kind: string, validate: () => ValidationResult): string => {
    const t0 = performance.now();
    let outcome: string;
    try {
      const result = validate();
      const why = malformedResult(result);
      if (why) report.malformed.push({ sample, kind, why });
      if (result.flow) report.compiled++;
      else report.refused++;
      for (const p of result.problems) report.problemCodes[p.code] = (report.problemCodes[p.code] ?? 0) + 1;
      outcome = result.flow ? 'compiled' : `refused: ${result.problems.find((p) => p.severity === 'error')?.message.slice(0, 80)}`;
    } catch (e) {
      outcome = `THREW ${(e as Error).name}: ${(e as Error).message}`.slice(0, 300);
      report.crashes.push({ sample, kind, error: outcome.slice(6) });
    }
    const ms = performance.now() - t0;
    report.maxMs = Math.max(report.maxMs, ms);
    if (ms > SLOW_MS) report.slow.push({ sample, kind, ms: Math.round(ms) });
    report.runs++;
    return outcome;
  };
  try {
    for (const [i, c] of handmadeCases(bases).entries()) {
      const sample = -1 - i;
      const outcome = judge(sample, c.kind, () => {
        if (c.kind === 'document') return validateFlow(c.input, { knownFlows });
        const parsed = parseFlowText('handmade.json', c.input as string);
        return parsed.document === undefined ? { problems: parsed.problems } : validateFlow(parsed.document, { knownFlows });
      });
      report.handmade.push(`${c.what}: ${outcome}`);
    }
    const CHUNK = 500;
    for (let start = 0; start < opts.runs; start += CHUNK) {
      const samples = fc.sample(mutationArb, { numRuns: Math.min(CHUNK, opts.runs - start), seed: seed + start });
      for (const [i, m] of samples.entries()) {
        const sample = start + i;
        const base = bases[m.base % bases.length]!;
        let input: Json | string;
        try {
          input = m.kind === 'document' ? mutateDocument(base.document, m.edits) : mutateText(base.text, m.edits);
        } catch {
          report.harnessErrors++;
          continue;
        }
        if (m.kind === 'text' && sample % fileEvery === 0) {
          const file = path.join(dir, `sample-${sample}.json`);
          await writeFile(file, input as string);
          judge(sample, m.kind, () => {
            const checked = checkFlowFile(file);
            return { problems: checked.problems, ...(checked.flow ? { flow: checked.flow } : {}) };
          });
          report.viaFiles++;
          await rm(file, { force: true });
        } else if (m.kind === 'text') {
          judge(sample, m.kind, () => {
            const parsed = parseFlowText(base.file, input as string);
            return parsed.document === undefined ? { problems: parsed.problems } : validateFlow(parsed.document, { knownFlows });
          });
        } else {
          judge(sample, m.kind, () => validateFlow(input, { knownFlows }));
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return report;
}
