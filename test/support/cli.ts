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
