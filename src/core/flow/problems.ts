/**
 * Problems found in a flow file. Each one names the file, the JSON pointer of
 * the offending value and says what was expected, so the command line prints
 * `FILE:JSON_POINTER: message` and an editor can jump straight to it.
 */

import { SlotflowError } from '../errors.ts';

export type ProblemSeverity = 'error' | 'warning';

export const ProblemCode = {
  parse: 'parse',
  schema: 'schema',
  duplicateComponent: 'duplicate-component',
  duplicateModule: 'duplicate-module',
  duplicateSlot: 'duplicate-slot',
  slotRange: 'slot-range',
  maskMismatch: 'mask-mismatch',
  unknownDependency: 'unknown-dependency',
  selfDependency: 'self-dependency',
  duplicateDependency: 'duplicate-dependency',
  cycle: 'cycle',
  statusChain: 'status-chain',
  unknownFanOutFlow: 'unknown-fan-out-flow',
  fanOutSource: 'fan-out-source',
  builtinParams: 'builtin-params',
  handlerParams: 'handler-params',
  unknownBuiltin: 'unknown-builtin',
  unknownRole: 'unknown-role',
  unknownInput: 'unknown-input',
  inputNotDependency: 'input-not-dependency',
  inputType: 'input-type',
  ambiguousInput: 'ambiguous-input',
  missingInput: 'missing-input',
  queueKind: 'queue-kind',
} as const;
export type ProblemCode = (typeof ProblemCode)[keyof typeof ProblemCode];

export interface FlowProblem {
  severity: ProblemSeverity;
  code: ProblemCode;
  /** RFC 6901 pointer into the flow document; '' is the whole document. */
  pointer: string;
  message: string;
}

export function error(code: ProblemCode, pointer: string, message: string): FlowProblem {
  return { severity: 'error', code, pointer, message };
}

export function warning(code: ProblemCode, pointer: string, message: string): FlowProblem {
  return { severity: 'warning', code, pointer, message };
}

export function hasErrors(problems: readonly FlowProblem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Escapes one reference token of a JSON pointer (RFC 6901 §3). */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(...tokens: Array<string | number>): string {
  return tokens.map((t) => '/' + pointerToken(t)).join('');
}

export function formatProblem(file: string, problem: FlowProblem): string {
  const tag = problem.severity === 'warning' ? 'warning: ' : '';
  return `${file}:${problem.pointer || '/'}: ${tag}${problem.message}`;
}

/** Thrown where a flow that does not validate is asked to compile. */
export class FlowValidationError extends SlotflowError {
  override name = 'FlowValidationError';
  constructor(
    readonly flow: string,
    readonly problems: readonly FlowProblem[],
  ) {
    super(
      `flow ${flow} is invalid:\n` +
        problems
          .filter((p) => p.severity === 'error')
          .map((p) => `  ${p.pointer || '/'}: ${p.message}`)
          .join('\n'),
      { code: 'invalid-flow' },
    );
  }
}
