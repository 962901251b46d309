import { expect } from 'chai';
import { sql } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { drizzle } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';
import { openMysql, type MysqlHandle } from '../../src/adapters/mysql/connection.ts';
import { isDbUnreachable, isRetryableDbError, retryableDbReason, withDbRetry } from '../../src/adapters/mysql/retryable.ts';
import { useFreshEnv } from '../support/env.ts';

/** The error `fn` fails with. */
async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('retryable database errors (MariaDB)', () => {
  const env = useFreshEnv();
  let handle: MysqlHandle;

  beforeEach(async () => {
    handle = openMysql(env().settings.mysqlUrl, 3);
    await handle.pool.query('CREATE TABLE IF NOT EXISTS scratch (k VARCHAR(16) PRIMARY KEY, n INT NOT NULL)');
    await handle.pool.query('DELETE FROM scratch');
    await handle.pool.query("INSERT INTO scratch (k, n) VALUES ('a', 0)");
  });
  afterEach(async () => {
    await handle.close();
  });

  it('counts a lock-wait timeout and a refused connection as retryable, a duplicate key not', async () => {
    const holder = await handle.pool.getConnection();
    const waiter = await handle.pool.getConnection();
    try {
      await holder.query('START TRANSACTION');
      await holder.query("SELECT * FROM scratch WHERE k = 'a' FOR UPDATE");
      await waiter.query('SET SESSION innodb_lock_wait_timeout = 1');
      const timeout = await failure(() => waiter.query("UPDATE scratch SET n = 1 WHERE k = 'a'"));
      expect(timeout).to.have.property('errno', 1205);
      expect(retryableDbReason(timeout)).to.match(/lock wait/);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
      waiter.release();
    }
    const duplicate = await failure(() => handle.pool.query("INSERT INTO scratch (k, n) VALUES ('a', 1)"));
    expect(duplicate).to.have.property('errno', 1062);
    expect(isRetryableDbError(duplicate)).to.equal(false);
    const refused = await failure(() => mysql.createConnection({ host: '127.0.0.1', port: 1, user: 'root' }));
    expect(refused).to.have.property('code', 'ECONNREFUSED');
    expect(isRetryableDbError(refused)).to.equal(true);
  });

  /**
   * Runs `body` on a connection that meets row 'a' locked by another transaction (its lock waits time out after
   * 1 s); `releaseSoon` lets the lock go 1.5 s later. Afterwards the row's count must be 1: the statement body
   * retried went through once.
   */
  async function whileRowLocked(body: (waiter: mysql.PoolConnection, releaseSoon: () => Promise<unknown>) => Promise<void>): Promise<void> {
    const holder = await handle.pool.getConnection();
    const waiter = await handle.pool.getConnection();
    try {
      await holder.query('START TRANSACTION');
      await holder.query("SELECT * FROM scratch WHERE k = 'a' FOR UPDATE");
      await waiter.query('SET SESSION innodb_lock_wait_timeout = 1');
      await body(waiter, () => new Promise((r) => setTimeout(r, 1500)).then(() => holder.query('COMMIT')));
    } finally {
      holder.release();
      waiter.release();
    }
    const [rows] = await handle.pool.query<mysql.RowDataPacket[]>("SELECT n FROM scratch WHERE k = 'a'");
    expect(rows[0]!.n).to.equal(1);
  }

  it('runs a statement again after a lock-wait timeout until it goes through, and a bad one only once', async function () {
    this.timeout(15000);
    let calls = 0;
    await whileRowLocked(async (waiter, releaseSoon) => {
      // The lock goes after the first attempt has timed out, so the second one waits for it and succeeds.
      const release = releaseSoon();
      await withDbRetry(async () => {
        calls++;
        await waiter.query("UPDATE scratch SET n = n + 1 WHERE k = 'a'");
      });
      await release;
    });
    expect(calls).to.be.greaterThan(1);
    let badCalls = 0;
    const bad = await failure(() => withDbRetry(async () => {
      badCalls++;
      await handle.pool.query("INSERT INTO scratch (k, n) VALUES ('a', 2)");
    }));
    expect(bad).to.have.property('errno', 1062);
    expect(badCalls).to.equal(1);
  });
  it('retries a query made through drizzle, whose error wraps the driver\'s (DrizzleQueryError with a cause)', async function () {
    this.timeout(15000);
    let calls = 0;
    await whileRowLocked(async (waiter, releaseSoon) => {
      const db = drizzle(waiter);
      const wrapped = await failure(() => db.execute(sql`UPDATE scratch SET n = n + 1 WHERE k = 'a'`));
      expect(wrapped).to.be.instanceOf(DrizzleQueryError);
      expect(wrapped).to.not.have.property('errno');
      expect((wrapped as Error).cause).to.have.property('errno', 1205);
      expect(retryableDbReason(wrapped)).to.match(/lock wait/);
      // Through drizzle too, the statement runs again once the lock is gone.
      const release = releaseSoon();
      await withDbRetry(async () => {
        calls++;
        await db.execute(sql`UPDATE scratch SET n = n + 1 WHERE k = 'a'`);
      });
      await release;
    });
    expect(calls).to.be.greaterThan(1);
    // A wrapped error that is not in the table stays not retryable.
    const duplicate = await failure(() => drizzle(handle.pool).execute(sql`INSERT INTO scratch (k, n) VALUES ('a', 1)`));
    expect(duplicate).to.be.instanceOf(DrizzleQueryError);
    expect(isRetryableDbError(duplicate)).to.equal(false);
  });

  it('fails a statement that outlasts the MySQL timeout as retryable, and drops its connection rather than reuse it', async function () {
    this.timeout(15000);
    const bounded = openMysql(env().settings.mysqlUrl, 1, 300);
    let first: unknown;
    try {
      const [[before]] = await bounded.pool.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
      first = before!.id;
      const slow = await failure(() => bounded.pool.query('SELECT SLEEP(3)'));
      expect(slow).to.have.property('code', 'PROTOCOL_SEQUENCE_TIMEOUT');
      expect(isRetryableDbError(slow)).to.equal(true);
      expect(isDbUnreachable(slow)).to.equal(true);
      // The pool's one connection owed the late answer: a new one serves the next statement.
      const [[after]] = await bounded.pool.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
      expect(after!.id).to.not.equal(before!.id);
    } finally {
      await bounded.close();
      // The server still runs the sleep of the dropped connection; end it so the file leaves no session behind.
      if (first !== undefined) await handle.pool.query('KILL ?', [first]).catch(() => undefined);
    }
  });

  it('tells an unreachable database (also under a wrapping error) from a busy row', () => {
    expect(isDbUnreachable(Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }))).to.equal(true);
    expect(isDbUnreachable(Object.assign(new Error('lock'), { errno: 1205 }))).to.equal(false);
    expect(isDbUnreachable(new Error('plain'))).to.equal(false);
  });
});
