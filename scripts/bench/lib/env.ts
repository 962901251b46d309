import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { dropDatabase, migrateDatabase } from '../../../src/adapters/mysql/connection.ts';
import { compileSettings, type Settings } from '../../../src/settings.ts';
import { type Ready, spawnReady } from './proc.ts';

/**
 * A fresh MySQL database and a fresh queue prefix for one benchmark, on the
 * machine's shared MariaDB and Redis. Cleaning up drops the database and
 * deletes only the keys under the prefix (never FLUSHALL: others use this
 * Redis).
 */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const MYSQL_SERVER = process.env.SLOTFLOW_BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306';
export const REDIS_URL = process.env.SLOTFLOW_BENCH_REDIS ?? 'redis://127.0.0.1:6379';
export const SLOTFLOW_BIN = path.join(ROOT, 'bin', 'slotflow.js');

export interface BenchEnv {
  tag: string;
  settings: Settings;
  /** The environment for `slotflow` child processes. */
  env: NodeJS.ProcessEnv;
  prefix: string;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** Cleanups of databases and prefixes still in use, run on Ctrl-C. */
export const pendingCleanups = new Set<() => Promise<void>>();

export async function runPendingCleanups(): Promise<void> {
  await Promise.all([...pendingCleanups].map((c) => c().catch(() => undefined)));
}

export function newTag(): string {
  return randomBytes(4).toString('hex');
}

export async function freshEnv(label: string, extra: Record<string, string> = {}): Promise<BenchEnv> {
  const tag = newTag();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `slotflow-bench-${label}-`));
  const prefix = `{sfb-${tag}}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLOTFLOW_MYSQL_URL: `${MYSQL_SERVER}/slotflow_bench_${tag}`,
    SLOTFLOW_REDIS_URL: REDIS_URL,
    SLOTFLOW_QUEUE_PREFIX: prefix,
    SLOTFLOW_DATA_DIR: dataDir,
    SLOTFLOW_LOG_LEVEL: 'warn',
    ...extra,
  };
  const settings = compileSettings(env);
  const cleanup = async () => {
    pendingCleanups.delete(cleanup);
    await dropDatabase(settings.mysqlUrl).catch((e: unknown) => console.error(`bench: could not drop ${settings.mysqlUrl}: ${String(e)}`));
    await deletePrefix(prefix).catch((e: unknown) => console.error(`bench: could not delete keys under ${prefix}: ${String(e)}`));
    await rm(dataDir, { recursive: true, force: true });
  };
  pendingCleanups.add(cleanup);
  await migrateDatabase(settings.mysqlUrl);
  return { tag, settings, env, prefix, dataDir, cleanup };
}

/** Deletes the keys under one prefix with SCAN + UNLINK. */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 2000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** `slotflow worker` or `slotflow scheduler` as a child process, resolved once it prints "running". */
export function startSlotflow(env: NodeJS.ProcessEnv, args: readonly string[], label: string): Promise<Ready> {
  return spawnReady(process.execPath, [...profileFlags(), SLOTFLOW_BIN, ...args], { env: profiledEnv(env), cwd: ROOT, ready: /running \(pid/, label, timeoutMs: 90000 });
}

/** With SLOTFLOW_BENCH_PROFILE=DIR, every slotflow child process writes a V8 CPU profile there when it exits. */
export function profileFlags(): string[] {
  const dir = process.env.SLOTFLOW_BENCH_PROFILE;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

/**
 * A profiled child runs its sources file by file (through tsx), not the CLI's bundle: a profile of the bundle puts
 * every function of slotflow in one file under node_modules/.cache, and `profile-summary.ts` finds none of src/.
 */
function profiledEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return process.env.SLOTFLOW_BENCH_PROFILE ? { ...env, SLOTFLOW_NO_BUNDLE: '1' } : env;
}

export function startWorkers(env: NodeJS.ProcessEnv, count: number, concurrency: number): Promise<Ready[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startSlotflow(env, ['worker', '--handlers', 'builtin.noop', '--concurrency', String(concurrency)], `worker ${i + 1}`)),
  );
}

export function startSchedulers(env: NodeJS.ProcessEnv, count: number): Promise<Ready[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startSlotflow(env, ['scheduler'], `scheduler ${i + 1}`)));
}

export async function stopAll(procs: readonly Ready[]): Promise<void> {
  await Promise.all(procs.map((p) => p.stop()));
}
