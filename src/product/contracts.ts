import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import productCreation from '../../schema/product-creation.schema.json' with { type: 'json' };
import outputGeneration from '../../schema/output-generation.schema.json' with { type: 'json' };
import outputRetry from '../../schema/output-retry.schema.json' with { type: 'json' };
import presenterCreation from '../../schema/presenter-creation.schema.json' with { type: 'json' };
import presenterOutput from '../../schema/presenter-output.schema.json' with { type: 'json' };
import approval from '../../schema/approval.schema.json' with { type: 'json' };
import { ContractBodyError, UnknownContractError } from './errors.ts';
import type { OutputOptions } from './types.ts';

/**
 * The versioned job contracts (schema/*.schema.json), compiled once. Every request body names its contract
 * (`"contract": "<name>/<version>"`); `checkContract` refuses one that names another (`unknown-contract`) and
 * one that does not match it (`invalid-body` with the JSON pointer of the first thing wrong), so what passes
 * is exactly what the schema allows: unknown fields are refused, never dropped.
 */

export const CONTRACTS = {
  'product-creation/1': productCreation,
  'output-generation/1': outputGeneration,
  'output-retry/1': outputRetry,
  'presenter-creation/1': presenterCreation,
  'presenter-output/1': presenterOutput,
  'approval/1': approval,
} as const;
export type ContractName = keyof typeof CONTRACTS;

/** An upload as a request names it: `asset:<name>`, or the user's file name with the stored name. */
export type FileRef = string | { file: string; asset: string };

export interface ProductCreationBody {
  contract: 'product-creation/1';
  name: string;
  images: FileRef[];
  page?: FileRef;
  category?: string;
  campaign?: { audience?: string; tone?: string; call_to_action?: string };
}

export interface OutputGenerationBody {
  contract: 'output-generation/1';
  mode: string;
  prompt?: string;
  options?: OutputOptions;
}

export interface OutputRetryBody {
  contract: 'output-retry/1';
  from: string;
  scene?: number;
}

export interface PresenterCreationBody {
  contract: 'presenter-creation/1';
  name: string;
  photos: Array<{ file: string; asset: string }>;
  voice_sample: { file: string; asset: string };
  voice?: { language?: string };
}

export interface PresenterOutputBody {
  contract: 'presenter-output/1';
  route: 'single' | 'multi' | 'broll' | 'pose' | 'approval';
  script: string;
  options?: { format?: '16:9' | '9:16' | '1:1'; size?: string; captions?: 'sentence' | 'karaoke' | 'pop'; tone?: 'calm' | 'upbeat' | 'serious' | 'playful' };
}

export interface ApprovalBody {
  contract?: 'approval/1';
  approved: boolean;
  reason?: string;
}

interface Bodies {
  'product-creation/1': ProductCreationBody;
  'output-generation/1': OutputGenerationBody;
  'output-retry/1': OutputRetryBody;
  'presenter-creation/1': PresenterCreationBody;
  'presenter-output/1': PresenterOutputBody;
  'approval/1': ApprovalBody;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, verbose: true });
const validators = new Map<string, ValidateFunction>(Object.entries(CONTRACTS).map(([name, schema]) => [name, ajv.compile(schema)]));

export function checkContract<N extends ContractName>(body: unknown, expected: N): Bodies[N] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ContractBodyError(expected, '', 'the body must be a JSON object');
  const given = (body as { contract?: unknown }).contract;
  if (given === undefined) throw new ContractBodyError(expected, '/contract', `missing "contract" (this request takes "${expected}")`);
  if (given !== expected) throw new UnknownContractError(typeof given === 'string' ? JSON.stringify(given.slice(0, 40)) : `(a ${typeof given})`, expected);
  const validate = validators.get(expected)!;
  if (validate(body)) return body as Bodies[N];
  const { pointer, problem } = firstProblem(validate.errors ?? []);
  throw new ContractBodyError(expected, pointer, problem);
}

/**
 * The error that says most: the deepest one, an unknown field before anything else at its depth; where a
 * `oneOf` (an upload given as either form) failed at that depth, what the alternatives are.
 */
function firstProblem(errors: readonly ErrorObject[]): { pointer: string; problem: string } {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const depth = (e: ErrorObject) => pointerOf(e).split('/').length;
  const ranked = [...specific].sort((a, b) => depth(b) - depth(a) || Number(b.keyword === 'additionalProperties') - Number(a.keyword === 'additionalProperties'));
  const best = ranked[0];
  const alternatives = errors.find((e) => e.keyword === 'oneOf' && (!best || e.instancePath === best.instancePath) && best?.keyword !== 'additionalProperties');
  if (alternatives && best && best.instancePath === alternatives.instancePath) {
    return { pointer: alternatives.instancePath, problem: 'expected "asset:<name>" (as POST /v1/assets answers) or { "file", "asset" }' };
  }
  if (!best) return { pointer: '', problem: 'the body does not match the contract' };
  return { pointer: pointerOf(best), problem: describe(best) };
}

function pointerOf(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `${e.instancePath}/${String(p.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  if (e.keyword === 'required') return `${e.instancePath}/${String(p.missingProperty)}`;
  return e.instancePath;
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'missing (required)';
    case 'additionalProperties': {
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `unknown field "${String(p.additionalProperty).slice(0, 40)}"${known.length > 0 ? ` (the fields are ${known.join(', ')})` : ''}`;
    }
    case 'type':
      return `expected ${String(p.type)}`;
    case 'enum':
      return `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `expected ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return 'not in the expected form (see the contract\'s schema)';
    case 'minItems':
      return `expected at least ${String(p.limit)} item(s)`;
    case 'maxItems':
      return `expected at most ${String(p.limit)} item(s)`;
    case 'minimum':
      return `expected a number >= ${String(p.limit)}`;
    case 'maximum':
      return `expected a number <= ${String(p.limit)}`;
    case 'minLength':
      return 'expected a non-empty string';
    case 'maxLength':
      return `expected at most ${String(p.limit)} characters`;
    default:
      return e.message ?? `failed ${e.keyword}`;
  }
}
