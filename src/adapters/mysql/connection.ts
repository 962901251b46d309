import path from 'node:path';
import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import mysql, { type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { PACKAGE_ROOT } from '../flow-files.ts';
import * as schema from './schema.ts';

/**
 * The MySQL connection pool. BIGINT columns come back as decimal strings
 * (`bigNumberStrings`) and are turned into `bigint` by the steps, so a slot
 * word never passes through a JS number. Times are UTC on both sides.
 */

export const MIGRATIONS_DIR = path.join(PACKAGE_ROOT, 'drizzle');
export const DEFAULT_POOL_SIZE = 10;
/** `SLOTFLOW_MYSQL_TIMEOUT_MS`'s default: how long a connect or a statement may take (0: statements unbounded). */
export const DEFAULT_MYSQL_TIMEOUT_MS = 10000;
/** Group commit's isolation level: a step's reads see what was committed before it (see group-commit). */
export const COMMIT_ISOLATION_SQL = 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED';
/** The most steps a group-commit batch holds, and so the most SQL variable tags (`commitTag`) it hands out. */
export const GROUP_COMMIT_MAX_STEPS = 64;

/** The prefix of the SQL variables of the `n`th unit of a group-commit batch (`@sf_3_…`). */
export function commitTag(n: number): string {
  return `@sf_${n}`;
}

/**
 * Declares, once per group-commit session, the variables a step reads in the same statement that sets them
 * (apply-writes' `_ok`): MariaDB reads a variable that does not exist yet when a statement starts as a constant
 * NULL for the whole statement, so its appends there would keep only the last one.
 */
export const COMMIT_VARIABLES_SQL = `SET ${Array.from({ length: GROUP_COMMIT_MAX_STEPS }, (_, n) => `${commitTag(n)}_ok = NULL`).join(', ')}`;

export type Db = MySql2Database<typeof schema>;
export type Queryable = Pool | PoolConnection;
export type Rows = RowDataPacket[];
export type { ResultSetHeader };

export interface MysqlHandle {
  pool: Pool;
  /** Connections that accept several statements in one round trip: only for the steps built with `batch`. */
  batchPool: Pool;
  /** The same, for group commit alone: its sessions run at READ COMMITTED, set once when each connection opens. */
  commitPool: Pool;
  db: Db;
  database: string;
  close(): Promise<void>;
}

export function databaseOf(url: string): string {
  const name = new URL(url).pathname.replace(/^\//, '');
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`the MySQL URL must name a database of letters, digits and _ (got "${name}")`);
  return name;
}

/**
 * Pools with every connect and statement bounded by `timeoutMs` (see `boundStatements`): a database that stopped
 * answering (a partition, a blackholed link) is a retryable error after that long, never a hang.
 */
export function openMysql(url: string, poolSize = DEFAULT_POOL_SIZE, timeoutMs = DEFAULT_MYSQL_TIMEOUT_MS): MysqlHandle {
  const options = {
    uri: url, connectionLimit: poolSize, supportBigNumbers: true, bigNumberStrings: true, timezone: 'Z', enableKeepAlive: true,
    connectTimeout: timeoutMs || DEFAULT_MYSQL_TIMEOUT_MS,
  };
  const pool = mysql.createPool(options);
  // A pool of its own, so no statement outside the batch steps can ever be sent as several.
  const batchPool = mysql.createPool({ ...options, multipleStatements: true });
  const commitPool = mysql.createPool({ ...options, multipleStatements: true });
  if (timeoutMs > 0) for (const p of [pool, batchPool, commitPool]) p.pool.on('connection', (conn) => boundStatements(conn, timeoutMs));
  // Set per session rather than per transaction: one statement per connection instead of one per batch. The
  // command queues ahead of any query on the connection; a connection that could not take it is not used.
  commitPool.pool.on('connection', (conn) => {
    for (const sql of [COMMIT_ISOLATION_SQL, COMMIT_VARIABLES_SQL]) {
      conn.query(sql, (e) => {
        if (e) conn.destroy();
      });
    }
  });
  return {
    pool,
    batchPool,
    commitPool,
    db: drizzle(pool, { schema, mode: 'default' }),
    database: databaseOf(url),
    close: async () => {
      await Promise.all([pool.end(), batchPool.end(), commitPool.end()]);
    },
  };
}

interface TimedCommand {
  timeout?: number;
  _setTimeout?: unknown;
  _handleTimeoutError(): void;
}

/**
 * Gives every statement on `conn` mysql2's query timeout (it fails with PROTOCOL_SEQUENCE_TIMEOUT, a retryable
 * error) and destroys the connection when one fires: its socket may be on a link that died without a reset, and
 * mysql2 would otherwise keep it, and hand it out again, with the late answer still owed. mysql2 has no pool-wide
 * query timeout, hence the hook on each new connection's commands (Query and Execute are those with `_setTimeout`).
 */
function boundStatements(conn: { destroy(): void }, timeoutMs: number): void {
  const target = conn as unknown as { addCommand(cmd: TimedCommand): unknown };
  const add = target.addCommand;
  target.addCommand = function (cmd: TimedCommand) {
    if (typeof cmd._setTimeout === 'function' && !cmd.timeout) {
      cmd.timeout = timeoutMs;
      const fire = cmd._handleTimeoutError;
      cmd._handleTimeoutError = function () {
        fire.call(this);
        conn.destroy();
      };
    }
    return add.call(this, cmd);
  };
}

/** Creates the database when missing, then applies the committed drizzle-kit migrations. */
export async function migrateDatabase(url: string): Promise<void> {
  const server = new URL(url);
  const name = databaseOf(url);
  server.pathname = '/';
  const admin = await mysql.createConnection({ uri: server.toString() });
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  // A migration's statement may take long on a big table: connects are bounded, statements are not.
  const handle = openMysql(url, 1, 0);
  try {
    await migrate(handle.db, { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await handle.close();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const server = new URL(url);
  const name = databaseOf(url);
  server.pathname = '/';
  const admin = await mysql.createConnection({ uri: server.toString() });
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await admin.end();
  }
}

export type Statement = readonly [sql: string, values: readonly unknown[]];
export type BatchResult = ResultSetHeader | Rows;

/**
 * Sends the statements as one round trip and returns one result per
 * statement. Values are escaped into the text by the driver, exactly as for
 * `query` with placeholders. When a statement fails the ones after it are not
 * run; a transaction the batch opened is rolled back before the connection
 * goes back to the pool.
 */
export async function batch(pool: Pool, statements: readonly Statement[]): Promise<BatchResult[]> {
  const conn = await pool.getConnection();
  try {
    const text = statements.map(([sql, values]) => conn.format(sql, values as unknown[])).join(';\n');
    const [results] = await conn.query(text);
    conn.release();
    // One statement comes back as its result, several as an array of them.
    return statements.length === 1 ? [results as BatchResult] : (results as BatchResult[]);
  } catch (e) {
    try {
      await conn.query('ROLLBACK');
      conn.release();
    } catch {
      conn.destroy();
    }
    throw e;
  }
}

export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** MariaDB hands JSON columns back as text; MySQL 8 as parsed values. */
export function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
