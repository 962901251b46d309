import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql from 'mysql2/promise';
import { databaseOf, dropDatabase, migrateDatabase, MIGRATIONS_DIR, openMysql, type Rows } from '../../src/adapters/mysql/connection.ts';
import { MysqlStore } from '../../src/adapters/mysql/mysql-store.ts';
import { deliverDue, DEFAULT_WEBHOOKS } from '../../src/runtime/webhooks.ts';
import { MYSQL_SERVER, useFreshEnv } from '../support/env.ts';

/**
 * Migration 0010 packs events into one row per write. A database written
 * before it (migrated up to 0009, rows in the old one-event-per-row shape)
 * must come out of the upgrade with every event readable under the id it
 * had, resumable from an id handed out before, with its webhook delivery
 * state kept; events written after come later in the same stream.
 */

const PACKED = '0010_packed_events';

describe('migration 0010: events packed per write (MariaDB)', function () {
  this.timeout(60000);
  useFreshEnv();
  const url = `${MYSQL_SERVER}/slotflow_t_mig_${randomBytes(4).toString('hex')}`;
  let folder: string;
  after(async () => {
    await dropDatabase(url);
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  /** The migrations as they stood before 0010. */
  async function migrationsBefore(): Promise<string> {
    folder = await mkdtemp(path.join(os.tmpdir(), 'slotflow-mig-'));
    await cp(MIGRATIONS_DIR, folder, { recursive: true });
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { entries: Array<{ tag: string }> };
    const at = journal.entries.findIndex((e) => e.tag === PACKED);
    expect(at, 'migration 0010 is in the journal').to.be.greaterThan(0);
    journal.entries = journal.entries.slice(0, at);
    await writeFile(journalFile, JSON.stringify(journal));
    return folder;
  }

  it('keeps every old row as one event under its id, with its delivery state, and numbers new events after them', async () => {
    // Before: the schema up to 0009 and a task with three events in the old shape.
    const admin = await mysql.createConnection({ uri: MYSQL_SERVER });
    await admin.query(`CREATE DATABASE \`${databaseOf(url)}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await admin.end();
    const old = openMysql(url, 1);
    let hits = 0;
    const seen: Array<{ id: string; type: string }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hits++;
        seen.push({ id: String(req.headers['x-slotflow-event-id']), type: (JSON.parse(body) as { type: string }).type });
        res.writeHead(200).end();
      });
    });
    try {
      await migrate(old.db, { migrationsFolder: await migrationsBefore() });
      await old.pool.query(
        `INSERT INTO tasks (id, flow_name, flow_hash, slot_word, in_flight, version, attempts, phase, status, input, callback_url, created_at, updated_at)
         VALUES ('old-task', 'f', ?, 5, 0, 3, '{}', 'running', 'running', '{}', 'http://127.0.0.1:1/hook', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
        ['a'.repeat(64)],
      );
      await old.pool.query(
        `INSERT INTO events (id, task_id, type, slot_word, component, attempt, data, created_at, delivered_at, delivery_attempts) VALUES
         (40, 'old-task', 'accepted', 0, NULL, NULL, NULL, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 1),
         (41, 'old-task', 'started', 1, NULL, NULL, NULL, UTC_TIMESTAMP(3), NULL, 0),
         (42, 'old-task', 'component.failed', 18446744073709551615, 'TextProcessor', 2, '{"error":{"code":"x","message":"no"}}', UTC_TIMESTAMP(3), NULL, 3)`,
      );
    } finally {
      await old.close();
    }

    await migrateDatabase(url);
    const handle = openMysql(url, 2);
    const store = new MysqlStore(handle);
    try {
      const events = await store.listEvents('old-task');
      expect(events.map((e) => [e.id, e.type, e.slotWord, e.component, e.attempt, e.data])).to.deep.equal([
        [40, 'accepted', '0', null, null, null],
        [41, 'started', '1', null, null, null],
        [42, 'component.failed', '18446744073709551615', 'TextProcessor', 2, { error: { code: 'x', message: 'no' } }],
      ]);
      // An id handed out before the upgrade resumes where it did.
      expect((await store.listEventsOf(['old-task'], 40, 10)).map((e) => e.id)).to.deep.equal([41, 42]);
      const [rows] = await handle.pool.query<Rows>('SELECT id, legacy, event_count, delivered_count, delivery_attempts FROM events ORDER BY id');
      expect(rows.map((r) => [Number(r.id), Number(r.legacy), Number(r.event_count), Number(r.delivered_count), Number(r.delivery_attempts)]))
        .to.deep.equal([[40, 1, 1, 1, 1], [41, 1, 1, 0, 0], [42, 1, 1, 0, 3]]);

      // A write after the upgrade: its row comes after the old ones, and so do its events' ids.
      const snap = (await store.readTask('old-task'))!;
      await store.applyWrite({
        taskId: 'old-task', expectedVersion: snap.version, word: snap.word, inFlight: 0n, attempts: {}, phase: snap.phase, status: snap.status,
        error: null, finishes: [], abandons: [], starts: [],
        events: [{ type: 'progress', slotWord: '5', component: 'A' }, { type: 'progress', slotWord: '5', component: 'B' }],
      });
      const all = await store.listEvents('old-task');
      expect(all.map((e) => e.type)).to.deep.equal(['accepted', 'started', 'component.failed', 'progress', 'progress']);
      const ids = all.map((e) => e.id);
      expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
      expect(ids[3]).to.be.greaterThan(42);
      expect((await store.listEventsOf(['old-task'], 42, 10)).map((e) => e.id)).to.deep.equal(ids.slice(3));

      // Webhooks pick up where the old rows stood: 40 was delivered, 41 and 42 were not.
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      await handle.pool.query('UPDATE tasks SET callback_url = ?', [`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`]);
      while (await deliverDue(store, 'secret', { ...DEFAULT_WEBHOOKS, batch: 10 }) > 0);
      expect(seen.map((s) => s.id)).to.deep.equal(ids.slice(1).map(String));
      expect(hits).to.equal(4);
      expect((await store.listWebhookAttempts('old-task')).map((a) => [a.eventId, a.attempt, a.ok]))
        .to.deep.equal([[41, 1, true], [42, 4, true], [ids[3], 1, true], [ids[4], 1, true]]);
    } finally {
      receiver.closeAllConnections();
      if (receiver.listening) await new Promise((r) => receiver.close(r));
      await handle.close();
    }
  });
});
