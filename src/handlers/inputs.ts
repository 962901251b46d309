import { SlotflowError } from '../core/errors.ts';

/** Reading a handler's inputs by role. */

/** A required input is absent: the flow was compiled without the handler's declarations, or the provider gave nothing. */
export class MissingInputError extends SlotflowError {
  override name = 'MissingInputError';
  constructor(
    readonly component: string,
    readonly role: string,
  ) {
    super(`${component} needs its "${role}" input, which no dependency provided`, { code: 'missing-input' });
  }
}

export function requireInput<T>(inputs: Readonly<Record<string, unknown>>, role: string, component: string): T {
  const value = inputs[role];
  if (value === undefined || value === null) throw new MissingInputError(component, role);
  return value as T;
}
