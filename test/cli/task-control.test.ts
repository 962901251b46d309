import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { eventually, useFreshEnv } from '../support/env.ts';

/**
 * `slotflow task` control commands report a refusal with the code the HTTP
 * API gives it, against the real MariaDB and Redis: cancelling a finished
 * task is `not-cancellable`, an unknown task `unknown-task`.
 */

interface JsonError {
  error: { code: string; message: string };
}

describe('task control from the command line (MariaDB + Redis)', function () {
  this.timeout(90000);
  const env = useFreshEnv();
  const slotflow = async (...args: string[]) => {
    const r = await execa('node', ['bin/slotflow.js', ...args], { env: env().env, reject: false });
    return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  it('refuses to cancel a finished task with not-cancellable and exit 1, and leaves it completed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'slotflow-control-'));
    try {
      const article = path.join(dir, 'a.md');
      await writeFile(article, 'One sentence.');
      const submitted = await slotflow('task', 'submit', article, '--flow', 'bench-13', '--json');
      expect(submitted.code, submitted.stderr).to.equal(0);
      const { id } = JSON.parse(submitted.stdout) as { id: string };
      // `slotflow all` (scheduler and workers) in a process group of its own, stopped by its id.
      const worker = execa('node', ['bin/slotflow.js', 'all'], { env: { ...env().env, SLOTFLOW_HTTP_ADDR: '127.0.0.1:0' }, reject: false, detached: true });
      try {
        await eventually(`task ${id} to complete`, async () => {
          const shown = await slotflow('task', 'show', id, '--json');
          return shown.code === 0 && (JSON.parse(shown.stdout) as { phase?: string; status: string }).status === 'done' ? true : undefined;
        }, 60000, 500);
      } finally {
        if (worker.pid) process.kill(-worker.pid, 'SIGTERM');
        await worker;
      }
      const cancel = await slotflow('task', 'cancel', id, '--json');
      expect(cancel.code).to.equal(1);
      expect((JSON.parse(cancel.stdout) as JsonError).error.code).to.equal('not-cancellable');
      const shown = JSON.parse((await slotflow('task', 'show', id, '--json')).stdout) as { status: string };
      expect(shown.status).to.equal('done');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports an unknown task as unknown-task with exit 2', async () => {
    const cancel = await slotflow('task', 'cancel', '00000000-0000-0000-0000-000000000000', '--json');
    expect(cancel.code).to.equal(2);
    expect((JSON.parse(cancel.stdout) as JsonError).error.code).to.equal('unknown-task');
  });
});
