import type { ErrorObject, ValidateFunction } from 'ajv';
import flowSchema from '../../../schema/flow.schema.json' with { type: 'json' };
import { validate as generated } from './flow-validator.generated.ts';
import { error, type FlowProblem, ProblemCode } from './problems.ts';

/**
 * Checks a parsed flow document against `schema/flow.schema.json` and turns
 * every ajv error into a problem saying what was expected at which pointer.
 * The check is ajv's, compiled ahead into `flow-validator.generated.ts` by
 * `scripts/flow-validator.ts` with `FLOW_AJV_OPTIONS` (a test keeps the two in step).
 */

const validate = generated as unknown as ValidateFunction;

export { flowSchema };

export function schemaProblems(document: unknown): FlowProblem[] {
  if (validate(document)) return [];
  const problems: FlowProblem[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    // `if`/`then` and `anyOf` report a summary beside the specific errors; the specific ones say more.
    if (e.keyword === 'if' || e.keyword === 'anyOf') continue;
    const problem = error(ProblemCode.schema, pointerOf(e), describe(e));
    const key = `${problem.pointer} ${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

function pointerOf(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `${e.instancePath}/${escape(String(p.additionalProperty))}`;
  if (e.keyword === 'not') return `${e.instancePath}/fan_out`;
  return e.instancePath;
}

function escape(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required property "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown property "${String(p.additionalProperty)}"${suggestion(e)}`;
    case 'type':
      return `expected ${String(p.type).replace(',', ' or ')}`;
    case 'enum':
      return `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      if (e.schemaPath.startsWith('#/$defs/queueFamily/')) return 'a queue family is a lower-case letter, then up to 31 lower-case letters, digits or dashes';
      return `expected a string matching ${String(p.pattern)}`;
    case 'minItems':
      return `expected at least ${String(p.limit)} item(s)`;
    case 'minimum':
      return `expected a number >= ${String(p.limit)}`;
    case 'maximum':
      return `expected a number <= ${String(p.limit)}`;
    case 'minLength':
      return `expected a non-empty string`;
    case 'maxLength':
      return `expected at most ${String(p.limit)} characters`;
    case 'not':
      return 'fan_out is only allowed with "kind": "fanout"';
    default:
      return e.message ?? `failed ${e.keyword}`;
  }
}

function suggestion(e: ErrorObject): string {
  const schema = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
  const known = Object.keys(schema?.properties ?? {}).filter((k) => k !== '$schema');
  return known.length > 0 ? ` (allowed: ${known.join(', ')})` : '';
}
