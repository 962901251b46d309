import { subscribe } from 'node:diagnostics_channel';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import mysql, { type Pool } from 'mysql2/promise';

/**
 * What a test opened and did not close. The creation points of everything a
 * test can leave open are hooked here, once, when the test support is first
 * imported: MySQL pools (`mysql2` `createPool`), Redis connections (ioredis
 * `connect`, which BullMQ's own connections go through too), BullMQ workers,
 * listening servers (`net.Server#listen`, under every HTTP server) and child
 * processes (the `child_process` diagnostics channel). Each item is stamped
 * with the scope (one test file's fresh environment) and the test it was
 * opened in, so a resource a `before` hook opens for the whole file is never
 * blamed on the test that happens to be running when the file's runtime
 * grows another pooled connection.
 */

export interface Leak {
  kind: string;
  what: string;
}

interface Tracked extends Leak {
  scope: number;
  /** The test that was running when the item was opened; undefined for `before` hooks and between tests. */
  owner: object | undefined;
  isOpen(): boolean;
  close(): Promise<void>;
}

/** How long a check waits for closes already under way (a quit that has not seen its socket end yet). */
export const CLOSE_GRACE_MS = 2000;
const POLL_MS = 25;

const tracked = new Set<Tracked>();
let scope: number | undefined;
let owner: object | undefined;
let scopes = 0;

/** Starts tracking what is opened from now on, for one test file's environment; returns its id. */
export function openScope(): number {
  scope = ++scopes;
  owner = undefined;
  return scope;
}

export function currentScope(): number | undefined {
  return scope;
}

export function closeScope(id: number): void {
  if (scope === id) scope = undefined;
  owner = undefined;
}

/** Blames what is opened from now on, until `endTest`, on `test`. */
export function beginTest(test: object | undefined): void {
  owner = test;
}

export function endTest(): void {
  owner = undefined;
}

function track(item: Omit<Tracked, 'scope' | 'owner'>): void {
  if (scope === undefined) return;
  tracked.add(Object.assign(item, { scope, owner }));
}

/** The items of `scope` (of `test` only, when given) that are still open, after waiting `graceMs` for closes under way. */
export async function openItems(scopeId: number, test?: object, graceMs = CLOSE_GRACE_MS): Promise<Leak[]> {
  const until = Date.now() + graceMs;
  for (;;) {
    const open: Tracked[] = [];
    for (const item of tracked) {
      if (!item.isOpen()) tracked.delete(item);
      else if (item.scope === scopeId && (test === undefined || item.owner === test)) open.push(item);
    }
    if (open.length === 0 || Date.now() >= until) return open.map((item) => ({ kind: item.kind, what: item.what }));
    await sleep(POLL_MS);
  }
}

/** Closes whatever of `scope` is still open (a child is killed), so one file's leak does not spill into the next. */
export async function closeAll(scopeId: number): Promise<void> {
  for (const item of [...tracked]) {
    if (item.scope !== scopeId) continue;
    tracked.delete(item);
    if (item.isOpen()) await item.close().catch(() => {});
  }
}

export function describeLeaks(leaks: readonly Leak[]): string {
  return leaks.map((l) => `${l.kind}: ${l.what}`).join('; ');
}

// --- creation points ---------------------------------------------------------

const createPool = mysql.createPool.bind(mysql);
(mysql as { createPool: typeof mysql.createPool }).createPool = ((config: Parameters<typeof mysql.createPool>[0]) => {
  const pool = createPool(config as never);
  const core = (pool as Pool & { pool: { _closed: boolean } }).pool;
  const uri = typeof config === 'string' ? config : (config as { uri?: string }).uri;
  track({
    kind: 'MySQL pool',
    what: uri ? new URL(uri).pathname.replace(/^\//, '') || '(no database)' : 'pool',
    isOpen: () => !core._closed,
    close: () => pool.end(),
  });
  return pool;
}) as typeof mysql.createPool;

const seenRedis = new WeakSet<Redis>();
const redisConnect = Redis.prototype.connect;
Redis.prototype.connect = function (this: Redis, ...args: Parameters<Redis['connect']>) {
  // ioredis calls connect again on every reconnect: the client is one item however often it reconnects.
  if (!seenRedis.has(this)) {
    seenRedis.add(this);
    const { host, port, connectionName } = this.options;
    track({
      kind: 'Redis connection',
      what: `${host}:${port}${connectionName ? ` (${connectionName})` : ''}`,
      isOpen: () => this.status !== 'end',
      close: async () => this.disconnect(),
    });
  }
  return redisConnect.apply(this, args);
};

const seenWorkers = new WeakSet<Worker>();
const workerRun = Worker.prototype.run;
Worker.prototype.run = function (this: Worker, ...args: Parameters<Worker['run']>) {
  if (!seenWorkers.has(this)) {
    seenWorkers.add(this);
    track({
      kind: 'BullMQ worker',
      what: `queue ${this.name}`,
      isOpen: () => !this.closed,
      close: () => this.close(true),
    });
  }
  return workerRun.apply(this, args);
};

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  track({
    kind: 'server',
    what: 'listening socket',
    isOpen: () => this.listening,
    close: () => {
      (this as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      return new Promise<void>((resolve) => this.close(() => resolve()));
    },
  });
  return listen.apply(this, args as Parameters<typeof listen>);
} as typeof listen;

subscribe('child_process', (message) => {
  const child = (message as { process: ChildProcess }).process;
  track({
    kind: 'child process',
    // The channel speaks before the spawn, when the file is not yet known.
    get what() {
      return child.spawnargs.join(' ') || '(not spawned)';
    },
    // A spawn that failed never had a pid and will never exit.
    isOpen: () => child.pid !== undefined && child.exitCode === null && child.signalCode === null,
    close: async () => {
      child.kill('SIGKILL');
    },
  });
});

// --- MySQL connections, as the server counts them ----------------------------

/** Connections the server holds open on `database` (every process, not just this one), after waiting `graceMs` for them to go. */
export async function mysqlConnectionsOn(serverUrl: string, database: string, graceMs = CLOSE_GRACE_MS): Promise<number> {
  // Untracked and without a default database, so the count never includes the connection that counts.
  const conn = await mysql.createConnection({ uri: serverUrl });
  try {
    const until = Date.now() + graceMs;
    for (;;) {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
        [database],
      );
      const n = Number(rows[0]!.n);
      if (n === 0 || Date.now() >= until) return n;
      await sleep(POLL_MS * 4);
    }
  } finally {
    await conn.end();
  }
}
