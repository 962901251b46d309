import { SlotflowError } from '../../core/errors.ts';

export type MediaProgram = 'ffmpeg' | 'ffprobe';

/**
 * ffmpeg or ffprobe failed, could not start, or was cancelled. Retryable: a
 * run fails for reasons outside its arguments too (memory, a full disk, a
 * kill), and a cancelled run is worth running again elsewhere.
 */
export class FfmpegError extends SlotflowError {
  override name = 'FfmpegError';
  readonly program: MediaProgram;
  readonly binary: string;
  readonly args: readonly string[];
  /** The last characters of stderr (see `STDERR_TAIL_CHARS` in `run.ts`). */
  readonly stderrTail: string;
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  /** True when the caller's AbortSignal stopped the run, or the wait for an encode slot. */
  readonly canceled: boolean;

  constructor(
    fields: {
      program: MediaProgram;
      binary: string;
      args: readonly string[];
      stderrTail: string;
      exitCode?: number;
      signal?: string;
      canceled?: boolean;
      reason?: string;
    },
    options?: ErrorOptions,
  ) {
    const lastLine = fields.stderrTail.trim().split('\n').pop() ?? '';
    const how = fields.canceled
      ? 'was cancelled'
      : fields.exitCode !== undefined
        ? `exited with code ${fields.exitCode}`
        : fields.signal
          ? `was killed by ${fields.signal}`
          : `failed${fields.reason ? ` (${fields.reason})` : ''}`;
    super(`${fields.program} ${how}${lastLine ? `: ${lastLine}` : ''}`, { code: 'ffmpeg-failed', retryable: true, cause: options?.cause });
    this.program = fields.program;
    this.binary = fields.binary;
    this.args = fields.args;
    this.stderrTail = fields.stderrTail;
    this.exitCode = fields.exitCode;
    this.signal = fields.signal;
    this.canceled = fields.canceled ?? false;
  }
}
