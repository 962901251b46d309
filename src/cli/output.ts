/** Output helpers shared by the commands. */

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Set once stdout's reader has gone (`slotflow task list | head -1`): the rest of the output has nowhere to go. */
let stdoutClosed = false;
let stdoutGuarded = false;

export const consoleOutput: Output = {
  out: (line) => {
    if (!stdoutClosed) process.stdout.write(line + '\n');
  },
  err: (line) => process.stderr.write(line + '\n'),
};

/**
 * A reader that stops early (`| head`) is not a failure of the command: the
 * command finishes its work (a submitted task stays submitted, connections
 * close) and exits with its own code (0 when it succeeded) without a stack
 * trace, where a shell would have killed it with SIGPIPE. Any
 * other stdout error is still thrown. Installed once, by `main`.
 */
export function endQuietlyOnClosedStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    stdoutClosed = true;
  });
}

export function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** A plain text table with left-aligned columns; `right` names the columns to right-align. */
export function table(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
