/**
 * The builtin handlers' names and the `params` each one takes, so the flow
 * linter can reject `params` a builtin would ignore. The handlers themselves
 * live with the other handlers; this is only their signature.
 */

import type { ParamType } from './params.ts';

export { checkParam, type ParamType } from './params.ts';

export interface BuiltinSignature {
  name: string;
  params: Readonly<Record<string, ParamType>>;
}

export const BUILTIN_PREFIX = 'builtin.';

export const BUILTIN_SIGNATURES: Readonly<Record<string, BuiltinSignature>> = {
  'builtin.noop': { name: 'builtin.noop', params: {} },
  'builtin.fail': { name: 'builtin.fail', params: {} },
  'builtin.sleep': { name: 'builtin.sleep', params: { ms: 'non-negative-integer' } },
  'builtin.flaky': { name: 'builtin.flaky', params: { fail_times: 'non-negative-integer' } },
};

export function isBuiltinName(handler: string): boolean {
  return handler.startsWith(BUILTIN_PREFIX);
}
