import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { openMysql, type MysqlHandle, type Rows } from '../../src/adapters/mysql/connection.ts';
import { MysqlStore } from '../../src/adapters/mysql/mysql-store.ts';
import { claimWebhookEvents } from '../../src/adapters/mysql/steps/claim-webhook-events.ts';
import { TaskPhase, type TaskSnapshot } from '../../src/core/engine/task.ts';
import { planAnswer, planDispatch } from '../../src/core/engine/transitions.ts';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { useFreshEnv } from '../support/env.ts';

const EVENTS = 300;
const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 5;
/** Undelivered event rows of a task with no callback_url: enough that reading them all shows in the row counts. */
const QUIET_ROWS = 500;

const pair = compileFlow({
  flow: 'pair-hooks',
  modules: [{
    module_name: 'Work', status: 'working', next_status: 'done',
    components: [
      { component_name: 'A', slot_index: 0, depends: [], handler: 'h.a' },
      { component_name: 'B', slot_index: 1, depends: ['A'], handler: 'h.b' },
    ],
  }],
});

/** A task with a callback URL and `n` undelivered events, written straight into the tables, `perRow` to an event row. */
async function seedEvents(handle: MysqlHandle, n: number, perRow = 1): Promise<string> {
  const taskId = randomUUID();
  await handle.pool.query(
    `INSERT INTO tasks (id, flow_name, flow_hash, slot_word, in_flight, version, attempts, phase, status, input, callback_url, created_at, updated_at)
     VALUES (?, 'f', ?, 0, 0, 1, '{}', 'running', 'running', '{}', 'http://127.0.0.1:1/hook', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    [taskId, 'a'.repeat(64)],
  );
  const rows = [];
  for (let i = 0; i < n; i += perRow) {
    const items = Array.from({ length: Math.min(perRow, n - i) }, (_, k) => ({ type: 'progress', slot_word: '0', component: `c${i + k}`, attempt: 1 }));
    rows.push([taskId, JSON.stringify(items), items.length, true, new Date()]);
  }
  // `deliver` as the writers set it for a task with a callback_url.
  await handle.pool.query('INSERT INTO events (task_id, items, event_count, deliver, created_at) VALUES ?', [rows]);
  return taskId;
}

describe('webhook lease claim (MariaDB)', () => {
  const env = useFreshEnv();
  let handles: MysqlHandle[] = [];

  afterEach(async () => {
    await Promise.all(handles.map((h) => h.close()));
    handles = [];
  });

  it('never hands one event to two dispatchers claiming at the same time', async function () {
    this.timeout(30000);
    // One pool per dispatcher, as two processes would have.
    handles = [0, 1, 2, 3].map(() => openMysql(env().settings.mysqlUrl, 2));
    await handles[0]!.pool.query('DELETE FROM events');
    const taskId = await seedEvents(handles[0]!, EVENTS, 3);
    const claimedBy = handles.map(() => [] as number[]);
    const rowsClaimed: number[] = [];
    // Each dispatcher claims small batches until nothing is left; all four race over the same rows.
    await Promise.all(handles.map(async (h, n) => {
      for (;;) {
        const got = await claimWebhookEvents(h.batchPool, 7, LEASE_MS, MAX_ATTEMPTS);
        if (got.length === 0) return;
        for (const e of got) expect(e).to.include({ taskId, url: 'http://127.0.0.1:1/hook', deliveryAttempts: 0 });
        claimedBy[n]!.push(...got.map((e) => e.id));
        rowsClaimed.push(...got.map((e) => e.row));
        for (let i = 1; i < got.length; i++) if (got[i]!.row === got[i - 1]!.row) expect(got[i]!.id).to.be.greaterThan(got[i - 1]!.id);
      }
    }));
    const all = claimedBy.flat();
    expect(new Set(all).size, 'an event was claimed twice').to.equal(all.length);
    expect(all).to.have.length(EVENTS);
    // Three to a row: a row is claimed whole, with its events in order.
    expect(new Set(rowsClaimed).size).to.equal(EVENTS / 3);
    // The race was real: more than one dispatcher got work.
    expect(claimedBy.filter((ids) => ids.length > 0).length).to.be.greaterThan(1);
    const [rows] = await handles[0]!.pool.query<Rows>('SELECT SUM(lease_owner IS NULL) AS unleased FROM events');
    expect(Number(rows[0]!.unleased)).to.equal(0);
  });

  it('claims an event again once its lease has run out, and not before', async function () {
    handles = [openMysql(env().settings.mysqlUrl, 2)];
    const [h] = handles as [MysqlHandle];
    await h.pool.query('DELETE FROM events');
    await seedEvents(h, 3);
    const first = await claimWebhookEvents(h.batchPool, 10, 300, MAX_ATTEMPTS);
    expect(first).to.have.length(3);
    expect(await claimWebhookEvents(h.batchPool, 10, 300, MAX_ATTEMPTS)).to.have.length(0);
    await new Promise((r) => setTimeout(r, 400));
    const again = await claimWebhookEvents(h.batchPool, 10, 300, MAX_ATTEMPTS);
    expect(again.map((e) => e.id)).to.deep.equal(first.map((e) => e.id));
  });
  it('claims a row again from its first event not done when its dispatcher stopped mid-row, and ignores that dispatcher\'s late record', async function () {
    handles = [openMysql(env().settings.mysqlUrl, 2)];
    const [h] = handles as [MysqlHandle];
    const store = new MysqlStore(h);
    await h.pool.query('DELETE FROM events');
    await seedEvents(h, 3, 3);
    const first = await store.claimWebhookEvents(10, 300, MAX_ATTEMPTS);
    expect(first.map((e) => e.position)).to.deep.equal([0, 1, 2]);
    // The first event went through and was recorded; the dispatcher stopped while it sent the second.
    await store.recordWebhookAttempt({ event: first[0]!, ok: true, statusCode: 200, error: null, nextAt: null });
    expect(await store.claimWebhookEvents(10, 300, MAX_ATTEMPTS), 'the lease still holds').to.have.length(0);
    await new Promise((r) => setTimeout(r, 400));
    const again = await store.claimWebhookEvents(10, 300, MAX_ATTEMPTS);
    expect(again.map((e) => e.id)).to.deep.equal(first.slice(1).map((e) => e.id));
    // A record for an event the row has moved past (the stopped dispatcher's, arriving late) leaves the row alone.
    await store.recordWebhookAttempt({ event: first[0]!, ok: true, statusCode: 200, error: null, nextAt: null });
    const [rows] = await h.pool.query<Rows>('SELECT delivered_count, delivered_at FROM events');
    expect(rows.map((r) => [Number(r.delivered_count), r.delivered_at])).to.deep.equal([[1, null]]);
  });

  it('moves a row on to its next event when one is given up after its last attempt', async () => {
    handles = [openMysql(env().settings.mysqlUrl, 2)];
    const [h] = handles as [MysqlHandle];
    const store = new MysqlStore(h);
    await h.pool.query('DELETE FROM events');
    await seedEvents(h, 2, 2);
    const [e0, e1] = await store.claimWebhookEvents(10, 60_000, MAX_ATTEMPTS);
    await store.recordWebhookAttempt({ event: e0!, ok: false, statusCode: 500, error: 'no', nextAt: new Date(Date.now() + 60_000) });
    expect(await store.claimWebhookEvents(10, 60_000, MAX_ATTEMPTS), 'waiting for its retry').to.have.length(0);
    await h.pool.query('UPDATE events SET next_delivery_at = NULL');
    const [retry] = await store.claimWebhookEvents(10, 60_000, MAX_ATTEMPTS);
    expect(retry).to.include({ id: e0!.id, deliveryAttempts: 1 });
    await store.recordWebhookAttempt({ event: retry!, ok: false, statusCode: 500, error: 'no', nextAt: null, givenUp: true });
    const next = await store.claimWebhookEvents(10, 60_000, MAX_ATTEMPTS);
    expect(next.map((e) => [e.id, e.deliveryAttempts])).to.deep.equal([[e1!.id, 0]]);
  });

  /** A task created and then answered through the store (create-task, then apply-writes), with or without a callback. */
  async function answeredTask(store: MysqlStore, callbackUrl: string | null): Promise<string> {
    const id = randomUUID();
    const snapshot: TaskSnapshot = {
      id, flowName: pair.name, flowHash: pair.hash, word: 0n, inFlight: 0n, version: 1, attempts: {},
      phase: TaskPhase.queued, status: 'working', parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null, error: null,
    };
    await store.createTask({
      id, flow: pair, word: 0n, input: {}, idempotencyKey: null, parentId: null, parentComponent: null, parentAttempt: null,
      sceneIndex: null, take: 1, title: null, callbackUrl, snapshot, first: planDispatch(pair, snapshot)!,
    });
    const answer = planAnswer(pair, (await store.readTask(id))!, { taskId: id, component: 'A', attempt: 1, ok: true, output: {} }, () => 0);
    if ('rejected' in answer) throw new Error(`answer rejected: ${answer.rejected}`);
    expect(await store.applyWrite(answer)).to.deep.equal({ applied: true });
    return id;
  }

  it('claims the events of tasks with a callback_url as the store wrote them, and reads none of the rows of tasks without one', async () => {
    handles = [openMysql(env().settings.mysqlUrl, 1)];
    const [h] = handles as [MysqlHandle];
    const store = new MysqlStore(h);
    await store.saveFlowVersion(pair);
    await h.pool.query('DELETE FROM events');
    const hooked = await answeredTask(store, 'http://127.0.0.1:1/hook');
    const quiet = await answeredTask(store, null);
    const [written] = await h.pool.query<Rows>('SELECT task_id, deliver FROM events ORDER BY id');
    expect(written.map((r) => [r.task_id, Boolean(r.deliver)])).to.deep.equal([[hooked, true], [hooked, true], [quiet, false], [quiet, false]]);
    await h.pool.query('INSERT INTO events (task_id, items, event_count, created_at) VALUES ?',
      [Array.from({ length: QUIET_ROWS }, () => [quiet, '[]', 0, new Date()])]);

    // One connection in the pool: the session counters read are the claim's own.
    const readsSoFar = async () => {
      const [rows] = await h.batchPool.query<Rows>(`SHOW SESSION STATUS LIKE 'Handler_read%'`);
      return rows.reduce((sum, r) => sum + Number(r.Value), 0);
    };
    const before = await readsSoFar();
    const claimed = await claimWebhookEvents(h.batchPool, 10, LEASE_MS, MAX_ATTEMPTS);
    const reads = (await readsSoFar()) - before;
    expect(claimed.map((e) => [e.taskId, e.type])).to.deep.equal([[hooked, 'accepted'], [hooked, 'started'], [hooked, 'component.succeeded']]);
    expect(reads, 'rows read by the claim').to.be.below(QUIET_ROWS / 10);

    // Many rows to deliver: the claim takes the oldest in index order and stops at its limit, no sort of them all.
    const busy = await seedEvents(h, QUIET_ROWS);
    const readsBefore = await readsSoFar();
    const oldest = await claimWebhookEvents(h.batchPool, 5, LEASE_MS, MAX_ATTEMPTS);
    const busyReads = (await readsSoFar()) - readsBefore;
    expect(oldest.map((e) => [e.taskId, e.component])).to.deep.equal(['c0', 'c1', 'c2', 'c3', 'c4'].map((c) => [busy, c]));
    expect(busyReads, 'rows read by the claim').to.be.below(QUIET_ROWS / 10);
  });
});
