import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { openMysql, type MysqlHandle, type Rows } from '../../src/adapters/mysql/connection.ts';
import { MysqlStore } from '../../src/adapters/mysql/mysql-store.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

/**
 * `purgeHistory` when a DELETE has to be sent again: a second connection holds
 * a component_runs row, so the purge's DELETE there fails with a real
 * lock-wait timeout (1205) after the tables before it are already purged.
 * The blocker lets go once a second try waits on it, so exactly the retry
 * path runs; the counts must still be those of every row deleted.
 */

/**
 * InnoDB's lock tables in information_schema are a cache refreshed only when it was last read over 100 ms ago:
 * polled more often, they never change.
 */
const INFORMATION_SCHEMA_REFRESH_MS = 150;

const TASK = '00000000-0000-4000-8000-00000000a001';

describe('purge-history retried on a lock-wait timeout (MariaDB)', function () {
  this.timeout(60000);
  const env = useFreshEnv();
  let handle: MysqlHandle;
  let store: MysqlStore;
  before(() => {
    handle = openMysql(env().settings.mysqlUrl);
    for (const pool of [handle.pool, handle.batchPool]) {
      pool.on('connection', (conn) => {
        conn.query('SET SESSION innodb_lock_wait_timeout = 1');
      });
    }
    store = new MysqlStore(handle);
  });
  after(async () => {
    await handle?.close();
  });

  const sql = async (statement: string, values: unknown[] = []) => (await handle.pool.query<Rows>(statement, values))[0];

  it('keeps the counts of the tables purged before the DELETE that was retried', async () => {
    const now = new Date();
    await sql(`INSERT INTO request_vectors (task_id, settings_hash, embedder, bucket, vector, created_at) VALUES (?, ?, 'lexical', 'b', '{}', ?)`,
      [TASK, 'f'.repeat(64), now]);
    await sql(`INSERT INTO answer_rejections (task_id, component, attempt, reason, created_at) VALUES (?, 'A', 1, 'stale', ?), (?, 'A', 2, 'stale', ?)`,
      [TASK, now, TASK, now]);
    await sql(`INSERT INTO webhook_attempts (event_id, task_id, attempt, url, status_code, ok, created_at) VALUES (1, ?, 1, 'http://x', 200, 1, ?)`, [TASK, now]);
    await sql(`INSERT INTO component_runs (task_id, component, attempt, status, executions, queued_at) VALUES (?, 'A', 1, 'succeeded', 1, ?), (?, 'B', 1, 'succeeded', 1, ?)`,
      [TASK, now, TASK, now]);
    await sql(`INSERT INTO events (task_id, items, event_count, created_at) VALUES (?, '[]', 2, ?), (?, '[]', 1, ?)`, [TASK, now, TASK, now]);
    const expected = await store.countHistory([TASK]);
    expect(expected).to.deep.equal({ events: 3, runs: 2, webhookAttempts: 1, rejections: 2, requestVectors: 1 });

    const holder = await mysql.createConnection({ uri: env().settings.mysqlUrl });
    try {
      await holder.query('START TRANSACTION');
      await holder.query(`SELECT task_id FROM component_runs WHERE task_id = ? AND component = 'B' FOR UPDATE`, [TASK]);
      const [[own]] = await holder.query<Rows>('SELECT trx_id FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()');
      const purge = store.purgeHistory([TASK], 1000);
      // Each try is a transaction of its own: two waiting on the holder means the first one timed out.
      const waiters = new Set<string>();
      await eventually('a second try of the DELETE to wait on the held row', async () => {
        const [rows] = await holder.query<Rows>('SELECT requesting_trx_id FROM information_schema.INNODB_LOCK_WAITS WHERE blocking_trx_id = ?', [own!.trx_id]);
        for (const r of rows) waiters.add(String(r.requesting_trx_id));
        return waiters.size >= 2 ? true : undefined;
      }, 30000, INFORMATION_SCHEMA_REFRESH_MS);
      await holder.query('ROLLBACK');
      expect(await purge).to.deep.equal(expected);
    } finally {
      await holder.end();
    }
    expect(await store.countHistory([TASK])).to.deep.equal({ events: 0, runs: 0, webhookAttempts: 0, rejections: 0, requestVectors: 0 });
  });
});
