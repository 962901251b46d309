import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { openMysql, type MysqlHandle, type Rows } from '../../src/adapters/mysql/connection.ts';
import { MysqlStore } from '../../src/adapters/mysql/mysql-store.ts';
import { claimWebhookEvents } from '../../src/adapters/mysql/steps/claim-webhook-events.ts';
import { useFreshEnv } from '../support/env.ts';

const EVENTS = 300;
const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 5;

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
    rows.push([taskId, JSON.stringify(items), items.length, new Date()]);
  }
  await handle.pool.query('INSERT INTO events (task_id, items, event_count, created_at) VALUES ?', [rows]);
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
});
