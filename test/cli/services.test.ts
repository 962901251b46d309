import net from 'node:net';
import { expect } from 'chai';
import { execa } from 'execa';
import { REPO } from '../support/cli.ts';
import { liveChildren, useFreshEnv } from '../support/env.ts';

/**
 * `slotflow serve` and `slotflow all` as processes against the real MariaDB and Redis: an address that another
 * process holds ends the service at once with one line and exit 1 (never a service running without its API),
 * and a service that did bind says where.
 */

/** Runs the service in a process group of its own; a process still running after `ms` is killed and reported. */
async function runService(args: string[], env: NodeJS.ProcessEnv, ms = 30000) {
  const child = execa('node', ['bin/slotflow.js', ...args], { cwd: REPO, env, reject: false, detached: true });
  liveChildren.add(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  }, ms);
  try {
    const r = await child;
    return { code: r.exitCode, stderr: String(r.stderr), timedOut };
  } finally {
    clearTimeout(timer);
    liveChildren.delete(child);
  }
}

describe('slotflow serve and all (MariaDB + Redis)', function () {
  this.timeout(90000);
  const env = useFreshEnv();
  let holder: net.Server;
  let taken: string;

  before(async () => {
    holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    taken = `127.0.0.1:${(holder.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => holder.close(resolve));
  });

  for (const command of ['serve', 'all']) {
    it(`${command} exits 1 with one clear line when SLOTFLOW_HTTP_ADDR is taken, and leaves nothing running`, async () => {
      const r = await runService([command], { ...env().env, SLOTFLOW_HTTP_ADDR: taken });
      expect(r.timedOut, `still running after 30 s:\n${r.stderr}`).to.equal(false);
      expect(r.stderr.trim()).to.equal(`slotflow: ${taken} is in use (SLOTFLOW_HTTP_ADDR)`);
      expect(r.code).to.equal(1);
    });
  }

  it('serve says the URL it listens on once it listens', async () => {
    const child = execa('node', ['bin/slotflow.js', 'serve'], { cwd: REPO, env: { ...env().env, SLOTFLOW_HTTP_ADDR: '127.0.0.1:0' }, reject: false, detached: true });
    liveChildren.add(child);
    let stderr = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not say where it listens within 20 s:\n${stderr}`)), 20000);
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
          const m = /^slotflow serve listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).to.equal(200);
      await health.body?.cancel();
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await child;
      liveChildren.delete(child);
    }
    expect(stderr.match(/listening on/g)).to.have.length(1);
  });
});
