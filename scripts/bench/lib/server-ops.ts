import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { MYSQL_SERVER, REDIS_URL } from './env.ts';

/**
 * How much the shared servers were asked to do: Redis commands processed and
 * MySQL statements received (a multi-statement batch counts each statement),
 * server-wide counters read before and after a run. On this machine a round
 * trip costs the client more CPU than most commands cost the server, so these
 * counts say where a system's time goes.
 */

export interface ServerOps {
  redisCommands: number;
  mysqlStatements: number;
  /** Rows written, updated and deleted by the storage engines (implicit temporary tables count too). */
  mysqlRowsChanged: number;
  /** Rows read by statements (MySQL's Innodb_rows_read, MariaDB's Rows_read): what an unbounded scan shows in. */
  mysqlRowsRead: number;
}

// MariaDB has no Innodb_rows_* counters; the handler counters are there on MySQL and MariaDB alike.
const ROW_COUNTERS = ['Handler_write', 'Handler_update', 'Handler_delete'];
// MySQL names rows read Innodb_rows_read; MariaDB, which has no such counter, Rows_read.
const READ_COUNTERS = ['Innodb_rows_read', 'Rows_read'];

/** The counters now; `redisUrl` picks the Redis whose commands count (default: the shared one). */
export async function serverOps(redisUrl = REDIS_URL): Promise<ServerOps> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const db = await mysql.createConnection({ uri: MYSQL_SERVER });
  try {
    const info = await redis.info('stats');
    const [rows] = await db.query<mysql.RowDataPacket[]>('SHOW GLOBAL STATUS WHERE Variable_name IN (?)', [['Questions', ...ROW_COUNTERS, ...READ_COUNTERS]]);
    const value = (name: string) => Number(rows.find((r) => r.Variable_name === name)?.Value ?? 0);
    return {
      redisCommands: Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0),
      mysqlStatements: value('Questions'),
      mysqlRowsChanged: ROW_COUNTERS.reduce((sum, name) => sum + value(name), 0),
      mysqlRowsRead: READ_COUNTERS.map(value).find((n) => n > 0) ?? 0,
    };
  } finally {
    redis.disconnect();
    await db.end();
  }
}

/** Per job, between two readings (rounded to 0.1). */
export function opsPerJob(before: ServerOps, after: ServerOps, jobs: number): { redis: number; mysql: number; mysqlRows: number; mysqlRowsRead: number } {
  const per = (a: number, b: number) => Math.round(((b - a) / jobs) * 10) / 10;
  return {
    redis: per(before.redisCommands, after.redisCommands),
    mysql: per(before.mysqlStatements, after.mysqlStatements),
    mysqlRows: per(before.mysqlRowsChanged, after.mysqlRowsChanged),
    mysqlRowsRead: per(before.mysqlRowsRead, after.mysqlRowsRead),
  };
}

/** Client CPU (µs) of one round trip on this machine: a Redis PING and a MySQL `SELECT 1`, one after another. */
export async function roundTripCpuUs(n = 1000): Promise<{ redisPing: number; mysqlSelect: number }> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const db = await mysql.createConnection({ uri: MYSQL_SERVER });
  const cost = async (op: () => Promise<unknown>) => {
    await op();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await op();
    const c = process.cpuUsage(c0);
    return Math.round((c.user + c.system) / n);
  };
  try {
    return { redisPing: await cost(() => redis.ping()), mysqlSelect: await cost(() => db.query('SELECT 1')) };
  } finally {
    redis.disconnect();
    await db.end();
  }
}
