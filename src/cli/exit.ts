import { SlotflowError } from '../core/errors.ts';

/**
 * Exit codes (docs/cli.md): 0 success, 1 the thing asked about is bad or failed,
 * 2 usage error. Commands throw these instead of calling process.exit, so
 * every command can be driven from tests in-process.
 */

export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The command line was wrong: a bad argument value, an unknown name. */
export class UsageError extends SlotflowError {
  override name = 'UsageError';
  /** `code`: a more precise one than `invalid-usage` when the refusal has one (`unknown-task`, `not-waiting`), as the HTTP API says it. */
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(message, { code: options?.code ?? 'invalid-usage', cause: options?.cause });
  }
}

/**
 * The thing asked about is bad or failed; the message has already been printed when `quiet`.
 * `code` is the underlying error's when there is one (`article-empty`, a failed component's), so
 * `--json` reports the same code as the HTTP API and the logs.
 */
export class FailedExit extends SlotflowError {
  override name = 'FailedExit';
  constructor(
    message: string,
    readonly quiet = false,
    code = 'failed',
  ) {
    super(message, { code });
  }
}

/**
 * The body of a `--json` error: the same shape as the HTTP API's error bodies. Only our own errors' codes
 * are used; a library's (`commander.unknownOption`, `ENOENT`) is not in our style, so it gets `fallbackCode`.
 */
export function errorJson(e: unknown, fallbackCode: string): { error: { code: string; message: string } } {
  return { error: { code: e instanceof SlotflowError ? e.code : fallbackCode, message: e instanceof Error ? e.message : String(e) } };
}
