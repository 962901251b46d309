/**
 * Exit codes (docs/cli.md): 0 success, 1 the thing asked about is bad or failed,
 * 2 usage error. Commands throw these instead of calling process.exit, so
 * every command can be driven from tests in-process.
 */

export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The command line was wrong: a bad argument value, an unknown name. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The thing asked about is bad or failed; the message has already been printed when `quiet`. */
export class FailedExit extends Error {
  override name = 'FailedExit';
  constructor(
    message: string,
    readonly quiet = false,
  ) {
    super(message);
  }
}
