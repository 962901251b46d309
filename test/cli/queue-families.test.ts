import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { REPO } from '../support/cli.ts';
import { liveChildren, useFreshEnv } from '../support/env.ts';

/**
 * `--queues` and the `queue` field through the real command line: a family no
 * flow names, or a name that cannot be one, is a usage error (exit 2) before
 * the worker connects; a known family starts a worker that says which queues
 * it serves; `flow validate` prints a bad family with its JSON pointer.
 */

const DIR = mkdtempSync(path.join(tmpdir(), 'slotflow-cli-queues-'));
const flowWith = (queue: string) => JSON.stringify({
  flow: 'cli-families',
  modules: [{
    module_name: 'Work', status: 'working', next_status: 'done',
    components: [
      { component_name: 'A', slot_index: 0, depends: [], handler: 'builtin.noop' },
      { component_name: 'B', slot_index: 1, depends: ['A'], handler: 'builtin.sleep', params: { ms: 1 }, queue },
    ],
  }],
});
/** SLOTFLOW_FLOWS_DIR: the flow catalog the worker learns its families from. */
const FLOWS = path.join(DIR, 'flows');
mkdirSync(FLOWS);
const BAD = path.join(DIR, 'bad-queue.json');

async function slotflow(args: string[], env: NodeJS.ProcessEnv) {
  const r = await execa('node', ['bin/slotflow.js', ...args], { cwd: REPO, env, reject: false, timeout: 30000 });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), timedOut: r.timedOut };
}

describe('slotflow worker --queues (MariaDB + Redis)', function () {
  this.timeout(60000);
  before(() => {
    writeFileSync(BAD, flowWith('Marketing'));
  });
  const env = useFreshEnv({ SLOTFLOW_FLOWS_DIR: FLOWS });
  after(() => rmSync(DIR, { recursive: true, force: true }));

  it('refuses a family that no flow names with exit 2, naming the families it knows', async () => {
    writeFileSync(path.join(FLOWS, 'cli-families.json'), flowWith('marketing'));
    const r = await slotflow(['worker', '--queues', 'nope'], env().env);
    expect(r.timedOut).to.equal(false);
    const said = /^slotflow: no flow names queue family "nope", so nothing would be served \(known: ([a-z0-9, -]+)\)$/.exec(r.stderr.trim());
    expect(said, r.stderr).to.not.equal(null);
    // The engine's families, the test flow's, and those of the flows shipped in flows/ (product, presenter), sorted.
    const known = said![1]!.split(', ');
    expect(known).to.include.members(['callbacks', 'default', 'marketing']);
    expect(known).to.deep.equal([...known].sort());
    expect(r.code).to.equal(2);
  });

  it('refuses a name that cannot be a family with exit 2, and an empty list', async () => {
    const bad = await slotflow(['worker', '--queues', 'marketing,Promo_1'], env().env);
    expect(bad.stderr.trim()).to.equal('slotflow: "Promo_1" is not a queue family name: a lower-case letter, then up to 31 lower-case letters, digits or dashes');
    expect(bad.code).to.equal(2);
    const empty = await slotflow(['worker', '--queues', ' , '], env().env);
    expect(empty.stderr.trim()).to.match(/--queues takes a comma-separated list/);
    expect(empty.code).to.equal(2);
  });

  it('parses --queues with --handlers and starts a worker that says which queues it serves', async () => {
    writeFileSync(path.join(FLOWS, 'cli-families.json'), flowWith('marketing'));
    const child = execa('node', ['bin/slotflow.js', 'worker', '--queues', 'marketing, callbacks', '--handlers', 'builtin.sleep'], {
      cwd: REPO, env: env().env, reject: false, detached: true,
    });
    liveChildren.add(child);
    let stderr = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the worker did not start within 30 s:\n${stderr}`)), 30000);
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
          if (/slotflow worker running/.test(stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await child;
      liveChildren.delete(child);
    }
    // --handlers narrows to builtin.sleep, so the engine's own callbacks queues are not served; marketing's sleep is.
    expect(stderr).to.include('slotflow worker serving 1 queue(s) of marketing, callbacks: marketing/builtin.sleep');
  });

  it('flow validate prints a bad family with its JSON pointer and exits 1', async () => {
    const r = await slotflow(['flow', 'validate', BAD], env().env);
    expect(r.stdout + r.stderr).to.include(`${BAD}:/modules/0/components/1/queue: a queue family is a lower-case letter`);
    expect(r.code).to.equal(1);
  });
});
