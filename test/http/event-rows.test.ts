import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Rows } from '../../src/adapters/mysql/connection.ts';
import type { LifecycleEvent } from '../../src/core/engine/events.ts';
import { TaskPhase, type TaskSnapshot } from '../../src/core/engine/task.ts';
import { planCancel, planDispatch, type TaskWrite } from '../../src/core/engine/transitions.ts';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { MAX_EVENTS_PER_ROW } from '../../src/core/ports/event-rows.ts';
import { startHttp } from '../../src/http/start.ts';
import { connect, type Distributed } from '../../src/runtime/composition.ts';
import { DEFAULT_WEBHOOKS, deliverDue } from '../../src/runtime/webhooks.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * One outbox row per write, on the real MariaDB: a write's events are stored
 * together and every reader expands them — the store, the SSE route (resuming
 * inside a row) and webhook delivery (a failure inside a row). Tasks here are
 * written straight through the store, with no scheduler or worker, so each
 * write and its events are exactly the test's.
 */

const flow = compileFlow({
  flow: 'rows',
  modules: [{
    module_name: 'Work', status: 'working', next_status: 'done',
    components: [{ component_name: 'A', slot_index: 0, depends: [], handler: 'h.a' }],
  }],
});

interface SseMessage { id: number; event: string; data: { id: number; type: string; component: string | null } }

/** Reads a Server-Sent Events stream to its end (the task here is cancelled, so the server ends it). */
async function readStream(url: string, headers: Record<string, string> = {}): Promise<SseMessage[]> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  expect(res.status).to.equal(200);
  const messages: SseMessage[] = [];
  for (const block of (await res.text()).split('\n\n')) {
    const fields = Object.fromEntries(block.split('\n').filter((l) => l.includes(':') && !l.startsWith(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]));
    if (fields.data === undefined) continue;
    messages.push({ id: Number(fields.id), event: fields.event ?? 'message', data: JSON.parse(fields.data) as SseMessage['data'] });
  }
  return messages;
}

const progress = (n: number): LifecycleEvent => ({ type: 'progress', slotWord: '0', component: `step-${n}`, data: { n } });

describe('event rows: one per write, expanded by every reader (MariaDB)', function () {
  this.timeout(60000);
  let d: Distributed;
  let base: string;
  let receiver: Server | undefined;
  after(async () => {
    await d?.close();
  });
  afterEach(async () => {
    if (!receiver) return;
    receiver.closeAllConnections();
    await new Promise((r) => receiver!.close(r));
    receiver = undefined;
  });
  const env = useFreshEnv();
  before(async () => {
    const { settings } = env();
    d = connect(settings);
    base = (await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0' })).url;
    await d.store.saveFlowVersion(flow);
  });

  /** A new task (its creation: `accepted` and `started`), then one write of `events`, then its cancel. */
  async function taskWith(id: string, events: readonly LifecycleEvent[], callbackUrl: string | null = null): Promise<void> {
    const snapshot: TaskSnapshot = {
      id, flowName: flow.name, flowHash: flow.hash, word: 0n, inFlight: 0n, version: 1, attempts: {},
      phase: TaskPhase.queued, status: 'working', parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null, error: null,
    };
    await d.store.createTask({
      id, flow, word: 0n, input: {}, idempotencyKey: null, parentId: null, parentComponent: null, parentAttempt: null,
      sceneIndex: null, take: 1, title: null, callbackUrl, snapshot, first: planDispatch(flow, snapshot)!,
    });
    const now = (await d.store.readTask(id))!;
    const write: TaskWrite = { ...planCancel(now)!, phase: now.phase, status: now.status, inFlight: now.inFlight, events: [...events] };
    expect(await d.store.applyWrite(write)).to.deep.equal({ applied: true });
    expect(await d.store.applyWrite(planCancel((await d.store.readTask(id))!)!)).to.deep.equal({ applied: true });
  }

  async function rowsOf(id: string): Promise<number[]> {
    const [rows] = await d.store.handle.pool.query<Rows>('SELECT event_count FROM events WHERE task_id = ? ORDER BY id', [id]);
    return rows.map((r) => Number(r.event_count));
  }

  it('stores a write with several events as one row, read back in order with increasing ids', async () => {
    await taskWith('three', [progress(1), progress(2), progress(3)]);
    expect(await rowsOf('three')).to.deep.equal([2, 3, 1]);
    const events = await d.store.listEvents('three');
    expect(events.map((e) => `${e.type}${e.component ? ` ${e.component}` : ''}`))
      .to.deep.equal(['accepted', 'started', 'progress step-1', 'progress step-2', 'progress step-3', 'cancelled']);
    expect(events[3]!.data).to.deep.equal({ n: 2 });
    const ids = events.map((e) => e.id);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).to.be.greaterThan(ids[i - 1]!);
    // Resuming from any id gives exactly what follows it.
    for (let i = 0; i < ids.length; i++) expect((await d.store.listEvents('three', ids[i])).map((e) => e.id)).to.deep.equal(ids.slice(i + 1));
    // Paging a stream by `limit` and the last id never skips or repeats, inside rows or across them.
    const paged = [];
    for (let after = 0; ;) {
      const page = await d.store.listEventsOf(['three'], after, 2);
      if (page.length === 0) break;
      paged.push(...page.map((e) => e.id));
      after = page.at(-1)!.id;
    }
    expect(paged).to.deep.equal(ids);
  });

  it('splits a write with more events than a row holds into several rows, in order', async () => {
    const many = Array.from({ length: MAX_EVENTS_PER_ROW + 6 }, (_, n) => progress(n));
    await taskWith('many', many);
    expect(await rowsOf('many')).to.deep.equal([2, MAX_EVENTS_PER_ROW, 6, 1]);
    const events = await d.store.listEvents('many');
    expect(events.slice(2, -1).map((e) => (e.data as { n: number }).n)).to.deep.equal(many.map((_, n) => n));
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
  });

  it('resumes the event stream from a Last-Event-ID inside a row with only the later events', async () => {
    const id = randomUUID();
    await taskWith(id, [progress(1), progress(2), progress(3)]);
    const all = await readStream(`${base}/v1/tasks/${id}/events`);
    expect(all.map((m) => m.event)).to.deep.equal(['accepted', 'started', 'progress', 'progress', 'progress', 'cancelled']);
    expect(all.map((m) => m.data.id)).to.deep.equal(all.map((m) => m.id));
    // The second event of the three-event row.
    const cut = all[3]!;
    expect(cut.data.component).to.equal('step-2');
    const rest = await readStream(`${base}/v1/tasks/${id}/events`, { 'last-event-id': String(cut.id) });
    expect(rest.map((m) => m.id)).to.deep.equal(all.slice(4).map((m) => m.id));
    expect(rest.map((m) => m.data.component)).to.deep.equal(['step-3', null]);
    const query = await readStream(`${base}/v1/tasks/${id}/events?after=${cut.id}`);
    expect(query.map((m) => m.id)).to.deep.equal(rest.map((m) => m.id));
  });

  it('redelivers only the event a receiver failed inside a row, then the rest in order, each attempt recorded', async () => {
    const got: Array<{ id: number; component: string | null; status: number }> = [];
    let failed = false;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const e = JSON.parse(body) as { id: number; component: string | null };
        expect(String(e.id)).to.equal(req.headers['x-slotflow-event-id']);
        // The 2nd event of the three-event row fails once.
        const status = e.component === 'step-2' && !failed ? 500 : 200;
        if (status === 500) failed = true;
        got.push({ id: e.id, component: e.component, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
    await taskWith('hook', [progress(1), progress(2), progress(3)], `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
    const stored = await d.store.listEvents('hook');
    const opts = { ...DEFAULT_WEBHOOKS, backoffMs: 1 };
    // The first round stops at the failure: the task's later events wait, in its row and in later rows.
    expect(await deliverDue(d.store, 'secret', opts)).to.equal(3);
    expect(got.map((g) => g.component)).to.deep.equal([null, null, 'step-1', 'step-2']);
    await new Promise((r) => setTimeout(r, 20));
    while (await deliverDue(d.store, 'secret', opts) > 0);
    expect(got.map((g) => [g.component, g.status])).to.deep.equal([
      [null, 200], [null, 200], ['step-1', 200], ['step-2', 500], ['step-2', 200], ['step-3', 200], [null, 200],
    ]);
    const delivered = got.filter((g) => g.status === 200).map((g) => g.id);
    expect(delivered).to.deep.equal(stored.map((e) => e.id));
    const attempts = await d.store.listWebhookAttempts('hook');
    expect(attempts.map((a) => [a.eventId, a.attempt, a.ok])).to.deep.equal(got.map((g, i) => [g.id, i === 4 ? 2 : 1, g.status === 200]));
    const [rows] = await d.store.handle.pool.query<Rows>('SELECT delivered_count, event_count, delivered_at IS NOT NULL AS done FROM events WHERE task_id = ?', ['hook']);
    expect(rows.map((r) => [Number(r.delivered_count), Number(r.event_count), Number(r.done)])).to.deep.equal([[2, 2, 1], [3, 3, 1], [1, 1, 1]]);
  });
});
