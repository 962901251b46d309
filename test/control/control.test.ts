import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { isTerminal, type TaskSnapshot } from '../../src/core/engine/task.ts';
import { slotState } from '../../src/core/slot.ts';
import { buildServer } from '../../src/http/server.ts';
import { defaultRegistry } from '../../src/runtime/composition.ts';
import { signToken } from '../../src/runtime/callback-token.ts';
import { connect, type Distributed, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import type { RunRecord } from '../../src/core/ports/read-model.ts';
import { engineServices, taskOutputs } from '../../src/runtime/composition.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

/**
 * Control of running work against the real MariaDB and Redis: resume, approval
 * gates, external callback services, fan-out with per-scene resume, cancel.
 */

const FLOWS = 'test/fixtures/flows/control';
const flow = (name: string) => loadFlow(`${FLOWS}/${name}.json`);

interface Received {
  path: string;
  body: { task_id: string; component: string; attempt: number; callback_url: string; deadline: string };
}

/** A real local HTTP service acting as an external component: `/work` answers after a delay, `/ignore` never does. */
function startFakeService(): Promise<{ server: Server; base: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(data) as Received['body'];
      received.push({ path: req.url ?? '', body });
      res.writeHead(202).end();
      if (req.url === '/work') {
        setTimeout(() => {
          void fetch(body.callback_url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ status: 'succeeded', output: { rendered_by: 'fake-service', attempt: body.attempt } }),
          });
        }, 300);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received });
  }));
}

describe('control of running work (MariaDB + Redis)', function () {
  this.timeout(60000);
  let d: Distributed;
  let api: FastifyInstance;
  let apiBase: string;
  let fake: Awaited<ReturnType<typeof startFakeService>>;
  let secret: string;

  // Registered before useFreshEnv's hooks so that it runs before the leak check.
  after(async () => {
    await api?.close();
    await d?.close();
    fake?.server.closeAllConnections();
    await new Promise((r) => fake?.server.close(r));
  });
  const env = useFreshEnv({ SLOTFLOW_FLOWS_DIR: FLOWS });

  before(async () => {
    fake = await startFakeService();
    const settings = { ...env().settings, servicesUrl: fake.base };
    d = connect(settings);
    const services = await engineServices(settings, d.store);
    secret = services.callbackSecret;
    api = buildServer({ engine: d.engine, reads: d.reads, flows: d.flows, queue: d.queue, outputs: taskOutputs, services });
    apiBase = await api.listen({ host: '127.0.0.1', port: 0 });
    settings.publicUrl = apiBase;
    await startScheduler(d, settings);
    const registry = defaultRegistry()
      .register('test.items', async () => ({ scenes: [0, 1, 2, 3, 4].map((i) => ({ i, fail: i === 3 })) }))
      .register('test.scene', async (ctx) => {
        const item = (ctx.input as { item: { fail: boolean } }).item;
        if (item.fail && ctx.attempt === 1) throw new Error('scene 3 fails its first try');
        return { scene: (ctx.input as { index: number }).index };
      });
    await startWorker(d, settings, registry, { concurrency: 8 });
  });

  const finished = (id: string, timeoutMs = 30000) =>
    eventually(`task ${id} to finish`, async () => {
      const snap = await d.store.readTask(id);
      return snap && isTerminal(snap.phase) ? snap : undefined;
    }, timeoutMs);
  const runsOf = async (id: string, component: string): Promise<RunRecord[]> =>
    (await d.store.listRuns(id)).filter((r) => r.component === component);
  const state = (snap: TaskSnapshot, name: string, f = flow(snap.flowName)) => slotState(snap.word, f.byName.get(name)!.slot);

  it('resumes a failed task from the failed component without running anything upstream twice', async () => {
    const f = flow('resumable');
    const { id } = await d.engine.submit({ flow: f, input: {} });
    const failed = await finished(id);
    expect(failed.phase).to.equal('failed');
    expect(state(failed, 'Side')).to.equal('succeeded');
    expect(state(failed, 'Down1')).to.equal('pending');

    await d.engine.resume(id, 'Mid');
    const done = await finished(id);
    expect(done.phase).to.equal('completed');
    expect(done.word).to.equal(f.successMask);
    for (const upstream of ['Up1', 'Up2', 'Side']) expect(await runsOf(id, upstream), upstream).to.have.length(1);
    expect((await runsOf(id, 'Mid')).map((r) => [r.attempt, r.status])).to.deep.equal([[1, 'failed'], [2, 'succeeded']]);
    expect(await runsOf(id, 'Down2')).to.have.length(1);
  });

  it('regenerates only the downstream closure when a completed task is resumed', async () => {
    const f = flow('resumable');
    const { id } = await d.engine.submit({ flow: f, input: {} });
    await finished(id);
    await d.engine.resume(id, 'Mid');
    await eventually('the first resume to complete', async () => ((await d.store.readTask(id))!.phase === 'completed' ? true : undefined));

    await d.engine.resume(id, 'Down1');
    const again = await finished(id);
    expect(again.phase).to.equal('completed');
    expect(await runsOf(id, 'Down1')).to.have.length(2);
    expect(await runsOf(id, 'Down2')).to.have.length(2);
    for (const kept of ['Up1', 'Up2', 'Side']) expect(await runsOf(id, kept)).to.have.length(1);
    expect(await runsOf(id, 'Mid')).to.have.length(2);
  });

  it('holds the task at an approval gate until it is approved', async () => {
    const f = flow('gated');
    const { id } = await d.engine.submit({ flow: f, input: {} });
    const waiting = await eventually('the gate to wait', async () => {
      const s = await d.store.readTask(id);
      return s && (s.inFlight & f.byName.get('Approve')!.successBit) !== 0n ? s : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    const still = (await d.store.readTask(id))!;
    expect(still.version).to.equal(waiting.version);
    expect(state(still, 'Render')).to.equal('pending');
    expect(still.phase).to.equal('running');

    const res = await fetch(`${apiBase}/v1/tasks/${id}/approve`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ component: 'Approve' }),
    });
    expect(res.status).to.equal(202);
    const done = await finished(id);
    expect(done.phase).to.equal('completed');
    expect(state(done, 'Render')).to.equal('succeeded');
  });

  it('fails the task with the reason when the gate is rejected, and a resume regenerates the script', async () => {
    const f = flow('gated');
    const { id } = await d.engine.submit({ flow: f, input: {} });
    await eventually('the gate to wait', async () => {
      const s = await d.store.readTask(id);
      return s && (s.inFlight & f.byName.get('Approve')!.successBit) !== 0n ? s : undefined;
    });
    await d.engine.decide(id, 'Approve', { approved: false, reason: 'the intro is too long' });
    const failed = await finished(id);
    expect(failed.phase).to.equal('failed');
    expect(failed.error).to.include({ component: 'Approve', name: 'ApprovalRejected', message: 'the intro is too long' });
    expect(state(failed, 'Render')).to.equal('pending');

    await d.engine.resume(id, 'Script');
    await eventually('the gate to wait again', async () => {
      const s = await d.store.readTask(id);
      return s && s.phase === 'running' && (s.inFlight & f.byName.get('Approve')!.successBit) !== 0n ? s : undefined;
    });
    expect(await runsOf(id, 'Script')).to.have.length(2);
    await d.engine.decide(id, 'Approve', { approved: true });
    expect((await finished(id)).phase).to.equal('completed');
  });

  it('completes a callback component when the external service answers after a delay', async () => {
    const f = flow('external');
    const { id } = await d.engine.submit({ flow: f, input: { article: { body: 'x' } } });
    const done = await finished(id);
    expect(done.phase).to.equal('completed');
    const got = fake.received.find((r) => r.body.task_id === id)!;
    expect(got.path).to.equal('/work');
    expect(got.body.callback_url.startsWith(`${apiBase}/v1/callbacks/`)).to.equal(true);
    const [ext] = await runsOf(id, 'Ext');
    expect(ext!.output).to.deep.equal({ rendered_by: 'fake-service', attempt: 1 });
    expect(ext!.finishedAt!.getTime() - ext!.startedAt!.getTime()).to.be.at.least(250);
  });

  it('refuses forged, other-task, expired and replayed callback tokens and changes nothing', async () => {
    const f = flow('external');
    const { id } = await d.engine.submit({ flow: f, input: {} });
    await finished(id);
    const other = await d.engine.submit({ flow: flow('gated'), input: {} });
    const before = (await d.store.readTask(id))!;
    const token = fake.received.find((r) => r.body.task_id === id)!.body.callback_url.split('/').pop()!;
    const post = (t: string, body: unknown = { status: 'succeeded', output: {} }) =>
      fetch(`${apiBase}/v1/callbacks/${t}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const [payload, signature] = token.split('.') as [string, string];
    const forged = `${payload}.${Buffer.from('not the signature at all, not at all').toString('base64url')}`;
    expect((await post(forged)).status).to.equal(401);
    // The same signature over a payload naming another task: the HMAC no longer matches.
    const otherPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), t: other.id })).toString('base64url');
    const retargeted = await post(`${otherPayload}.${signature}`);
    expect(retargeted.status).to.equal(401);
    expect(((await retargeted.json()) as { error: { code: string } }).error.code).to.equal('invalid-signature');
    const expired = signToken({ t: id, c: 'Ext', a: 1, e: Date.now() - 1000 }, secret);
    expect((await post(expired)).status).to.equal(410);
    const replay = await post(token);
    expect(replay.status).to.equal(409);
    expect(((await replay.json()) as { error: { code: string } }).error.code).to.equal('duplicate');
    expect((await post(token, { status: 'maybe' })).status).to.equal(400);

    const after = (await d.store.readTask(id))!;
    expect(after.word).to.equal(before.word);
    expect(after.version).to.equal(before.version);
    expect(await d.store.countRejections(id)).to.deep.equal({ duplicate: 1 });
    await d.engine.cancel(other.id);
  });

  it('fails a callback attempt at its timeout when the service never answers, and retries it', async () => {
    const f = flow('silent');
    const { id } = await d.engine.submit({ flow: f, input: {} });
    const failed = await finished(id);
    expect(failed.phase).to.equal('failed');
    const runs = await runsOf(id, 'Ext');
    expect(runs.map((r) => [r.attempt, r.status, r.error?.name])).to.deep.equal([
      [1, 'failed', 'AttemptTimeoutError'], [2, 'failed', 'AttemptTimeoutError'],
    ]);
    expect(fake.received.filter((r) => r.body.task_id === id)).to.have.length(2);
  });

  it('re-runs only the failing scene\'s child of a fan-out, and --scene 3 resumes only that child', async () => {
    const f = flow('fanning');
    const { id } = await d.engine.submit({ flow: f, input: {} });
    const done = await finished(id);
    expect(done.phase).to.equal('completed');
    const children = await d.store.listChildren(id);
    expect(children.map((c) => c.sceneIndex)).to.deep.equal([0, 1, 2, 3, 4]);
    const workRuns = async () => Promise.all(children.map(async (c) => (await d.store.listRuns(c.id)).length));
    expect(await workRuns()).to.deep.equal([1, 1, 1, 2, 1]);
    expect(children.every((c) => c.phase === 'completed')).to.equal(true);

    await d.engine.resume(id, 'Scenes', 3);
    const again = await finished(id);
    expect(again.phase).to.equal('completed');
    expect(await workRuns()).to.deep.equal([1, 1, 1, 3, 1]);
    expect(await d.store.listChildren(id)).to.have.length(5);
    expect(await runsOf(id, 'Items')).to.have.length(1);
    expect(await runsOf(id, 'Join')).to.have.length(2);
  });

  it('dispatches nothing after a cancel and shows the task cancelled', async () => {
    const f = flow('cancellable');
    const { id } = await d.engine.submit({ flow: f, input: {} });
    await eventually('First to run', async () => ((await runsOf(id, 'First'))[0]?.status === 'running' ? true : undefined));
    const res = await fetch(`${apiBase}/v1/tasks/${id}/cancel`, { method: 'POST' });
    expect(res.status).to.equal(202);
    const cancelledAt = Date.now();
    await new Promise((r) => setTimeout(r, 1200));
    const snap = (await d.store.readTask(id))!;
    expect(snap.phase).to.equal('cancelled');
    expect(snap.status).to.equal('cancelled');
    const runs = await d.store.listRuns(id);
    expect(runs.map((r) => r.component)).to.deep.equal(['First']);
    expect(runs[0]!.queuedAt.getTime()).to.be.below(cancelledAt);
    expect(state(snap, 'First')).to.equal('pending');
    // The sleeping job finished after the cancel: its answer was recorded and refused.
    expect(await d.store.countRejections(id)).to.deep.equal({ cancelled: 1 });
  });
});
