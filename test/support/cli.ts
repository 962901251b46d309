import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `slotflow ARGS | head -n 1` in bash, with the exit code of `slotflow`, not of `head`. A line is put in front of
 * the command's output so `head` has read its one line and gone before `slotflow` (half a second to start) writes
 * anything: every write of the command then meets a closed pipe, whatever its output's size. Without that, a
 * short output fits in the pipe's buffer and the test could not fail.
 */
export async function slotflowIntoHead(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const script = '(echo first; node bin/slotflow.js "$@") | head -n 1; exit "${PIPESTATUS[0]}"';
  const r = await execa('bash', ['-c', script, 'bash', ...args], { cwd: REPO, env, reject: false });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `slotflow ARGS` run in this process: the commander program `main` builds afresh for each call (no state kept
 * between runs), its output captured line by line, its exit code returned instead of set (commands throw, they
 * never call process.exit). `env` stands in for process.env while it runs, as a child's environment would:
 * settings are compiled from process.env. Half a second of start (and a second of CPU) less than a child
 * process; keep a child where the test is about processes, signals, pipes or the exit itself.
 */
export async function slotflowInProcess(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.ts');
  const out: string[] = [];
  const err: string[] = [];
  const saved = process.env;
  process.env = env;
  try {
    const code = await main(['node', 'slotflow', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    process.env = saved;
  }
}
