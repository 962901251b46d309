import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { useFullServer } from '../support/server.ts';

/**
 * `slotflow presenter` and `slotflow output approve` against MariaDB and Redis (the runtime of useFullServer runs
 * the presenter flows): photos refused before anything is created, a presenter from the bundled samples, an
 * approval-route output held at its script gate, approved, then its storyboard rejected with `--reject`.
 */

const SAMPLES = 'examples/presenter';
/** The gates are polled over HTTP (the view `output show --json` prints): a command per poll would cost a CLI start each. */
const POLL_MS = 100;

interface OutputJson { id: string; phase: string; waiting_for: string | null; approvals: Array<{ stage: string; approved: boolean; reason: string | null }> }

describe('presenter commands (MariaDB + Redis)', function () {
  this.timeout(300000);
  const server = useFullServer();
  const slotflow = async (...args: string[]) => {
    const r = await execa('node', ['bin/slotflow.js', ...args], { env: server().env.env, reject: false });
    return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const sample = (f: string) => path.join(SAMPLES, f);
  let dir = '';
  let presenter = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slotflow-presenter-cli-'));
    await writeFile(path.join(dir, 'script.txt'), 'Hello there.\n\nWe make bicycles.\n\nSee you soon.\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function showOutput(id: string): Promise<OutputJson> {
    const r = await slotflow('output', 'show', id, '--json');
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as OutputJson;
  }

  async function waitingFor(id: string, stage: string, approvals: number): Promise<OutputJson> {
    for (;;) {
      const res = await fetch(`${server().base}/v1/outputs/${id}`);
      expect(res.status).to.equal(200);
      const v = (await res.json()) as OutputJson;
      if (v.waiting_for === stage && v.approvals.length === approvals) return v;
      if (['failed', 'cancelled', 'completed'].includes(v.phase)) throw new Error(`output ${id} ended ${v.phase} before the ${stage} gate`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  it('refuses a two-people photo with exit 1, naming the file, and creates nothing', async () => {
    const before = (await server().d.reads.listTasks({ limit: 1000 })).length;
    const r = await slotflow('presenter', 'create', sample('presenter-front.jpg'), sample('two-people.jpg'), '--voice-sample', sample('voice-sample.wav'), '--name', 'Ada', '--json');
    expect(r.code, r.stderr).to.equal(1);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; refusals: Array<{ file: string; code: string }> } };
    expect(error.code).to.equal('presenter-photos-refused');
    expect(error.refusals.map((x) => [x.file, x.code])).to.deep.equal([['two-people.jpg', 'portrait-several-subjects']]);
    const plain = await slotflow('presenter', 'create', sample('two-people.jpg'), '--voice-sample', sample('voice-sample.wav'), '--name', 'Ada');
    expect(plain.code).to.equal(1);
    expect(plain.stderr).to.include('two-people.jpg: ');
    expect((await server().d.reads.listTasks({ limit: 1000 })).length).to.equal(before);
  });

  it('creates a presenter with --wait and shows it by an id prefix', async () => {
    const r = await slotflow('presenter', 'create', sample('presenter-front.jpg'), sample('presenter-left.jpg'), '--voice-sample', sample('voice-sample.wav'), '--name', 'Ada', '--wait', '--json');
    expect(r.code, r.stderr).to.equal(0);
    presenter = (JSON.parse(r.stdout) as { id: string }).id;
    const shown = await slotflow('presenter', 'show', presenter.slice(0, 8), '--json');
    expect(shown.code, shown.stderr).to.equal(0);
    const view = JSON.parse(shown.stdout) as { id: string; phase: string; name: string; assets: Array<{ kind: string }> };
    expect(view).to.include({ id: presenter, phase: 'completed', name: 'Ada' });
    expect(view.assets.map((a) => a.kind)).to.include.members(['portrait', 'view', 'character-sheet', 'voice-profile']);
  });

  it('output approve: approves the script gate, then --reject REASON remakes the storyboard only; a bad stage is a usage error', async () => {
    const created = await slotflow('presenter', 'output', presenter.slice(0, 8), '--route', 'approval', '--script', path.join(dir, 'script.txt'), '--format', '16:9', '--size', '640x360', '--json');
    expect(created.code, created.stderr).to.equal(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    await waitingFor(id, 'script', 0);
    const bad = await slotflow('output', 'approve', id, 'casting', '--json');
    expect(bad.code).to.equal(2);
    expect((JSON.parse(bad.stdout) as { error: { code: string } }).error.code).to.equal('unknown-stage');
    const early = await slotflow('output', 'approve', id, 'storyboard');
    expect(early.code).to.equal(1);
    expect(early.stderr).to.include('not waiting');

    const approved = await slotflow('output', 'approve', id.slice(0, 8), 'script');
    expect(approved.code, approved.stderr).to.equal(0);
    expect(approved.stdout).to.match(new RegExp(`^${id} `));
    await waitingFor(id, 'storyboard', 1);
    const rejected = await slotflow('output', 'approve', id.slice(0, 8), 'storyboard', '--reject', 'closer framing please', '--json');
    expect(rejected.code, rejected.stderr).to.equal(0);
    expect((JSON.parse(rejected.stdout) as { id: string }).id).to.equal(id);
    await waitingFor(id, 'storyboard', 2);
    const after = await showOutput(id);
    expect(after).to.include({ id, waiting_for: 'storyboard' });
    expect(after.approvals.map((a) => [a.stage, a.approved, a.reason])).to.deep.equal([['script', true, null], ['storyboard', false, 'closer framing please']]);
    const runs = (await server().d.reads.listRuns(id)).map((r) => r.component);
    expect(runs.filter((c) => c === 'Script')).to.have.length(1);
    expect(runs.filter((c) => c === 'Storyboard')).to.have.length(2);
    expect(runs).to.not.include('Scenes');
    const plain = await slotflow('output', 'show', id);
    expect(plain.stdout).to.include('rejected storyboard: closer framing please').and.include('waiting for storyboard approval');
    await server().d.engine.cancel(id);
  });
});
