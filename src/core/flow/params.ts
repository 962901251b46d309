/**
 * The `params` a handler takes, declared with its signature, so that a flow
 * whose `params` the handler would ignore or refuse fails when it loads, not
 * when the component runs. Pure: a type per key and the check of a value.
 */

export type ParamType =
  | 'non-negative-integer'
  /** One of these strings. */
  | { readonly oneOf: readonly string[] }
  /** A number between these, both included. */
  | { readonly min: number; readonly max: number };

/** Why `value` is not of `type`, as the end of a sentence; undefined when it is. */
export function checkParam(type: ParamType, value: unknown): string | undefined {
  if (type === 'non-negative-integer') {
    return Number.isInteger(value) && (value as number) >= 0 ? undefined : 'must be a non-negative integer';
  }
  if ('oneOf' in type) {
    return typeof value === 'string' && type.oneOf.includes(value) ? undefined : `must be one of ${type.oneOf.join(', ')}`;
  }
  return typeof value === 'number' && Number.isFinite(value) && value >= type.min && value <= type.max
    ? undefined
    : `must be a number from ${type.min} to ${type.max}`;
}
