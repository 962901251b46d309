import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Private `redis-server` and `mariadbd` instances on spare loopback ports,
 * for the scenarios that stop, freeze or restart a server. They run as this
 * process's children, on their own data directories under the system temp
 * directory, so the machine's shared MariaDB and Redis are never touched:
 * every signal here goes to a pid this module spawned.
 */

const run = promisify(execFile);

export const REDIS_SERVER = process.env.SLOTFLOW_CHAOS_REDIS_SERVER ?? 'redis-server';
export const MARIADBD = process.env.SLOTFLOW_CHAOS_MARIADBD ?? '/usr/sbin/mariadbd';
export const MARIADB_INSTALL_DB = process.env.SLOTFLOW_CHAOS_MARIADB_INSTALL_DB ?? 'mariadb-install-db';
export const START_TIMEOUT_MS = 30000;

export class PrivateServiceError extends Error {
  override name = 'PrivateServiceError';
  constructor(
    readonly service: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${service}: ${message}`, options);
  }
}

/** A loopback port nobody listens on right now. */
export async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True once something accepts a TCP connection on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

async function waitUntil(what: string, probe: () => Promise<boolean>, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new PrivateServiceError(what, `exited (code ${child.exitCode}, signal ${child.signalCode}) while starting:\n${log()}`);
    }
    if (await probe()) return;
    await sleep(50);
  }
  throw new PrivateServiceError(what, `did not start within ${START_TIMEOUT_MS} ms:\n${log()}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Every server process started here and not yet gone, and the data directories not yet removed, so none outlives the harness. */
const owned = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
process.on('exit', () => {
  for (const child of owned) child.kill('SIGKILL');
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
});

/** Base for a server process we own: start, SIGKILL, SIGSTOP/SIGCONT, all by the pid we spawned. */
abstract class OwnedServer {
  protected child: ChildProcess | undefined;
  private output = '';
  constructor(readonly name: string) {}

  protected abstract command(): { file: string; args: string[] };
  protected abstract ready(): Promise<boolean>;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  log(): string {
    return this.output.slice(-4000);
  }

  async start(): Promise<void> {
    if (this.running) throw new PrivateServiceError(this.name, 'already running');
    const { file, args } = this.command();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    owned.add(child);
    child.once('exit', () => owned.delete(child));
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('error', (e) => keep(Buffer.from(String(e))));
    await waitUntil(this.name, () => this.ready(), child, () => this.log());
  }

  /** SIGKILL: the server is gone at once, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGCONT'); // a frozen process must run to die cleanly as far as the kernel cares; harmless otherwise
    child.kill('SIGKILL');
    await exited(child);
  }

  /** SIGSTOP: the server stops answering, but its connections stay open (a network partition, a stuck host). */
  freeze(): void {
    if (this.running) this.child!.kill('SIGSTOP');
  }

  thaw(): void {
    if (this.running) this.child!.kill('SIGCONT');
  }
}

export interface PrivateRedisOptions {
  port?: number;
}

/** `redis-server` without persistence: a restart comes back empty. */
export class PrivateRedis extends OwnedServer {
  constructor(readonly port: number) {
    super(`redis-server :${port}`);
  }

  static async start(opts: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(opts.port ?? (await sparePort()));
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  protected command() {
    return {
      file: REDIS_SERVER,
      args: ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', os.tmpdir(), '--loglevel', 'warning'],
    };
  }

  protected async ready(): Promise<boolean> {
    if (!(await accepts(this.port))) return false;
    // Answering PING, not just listening.
    return new Promise((resolve) => {
      const socket = new Socket();
      let reply = '';
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once('error', () => done(false));
      socket.on('data', (b) => {
        reply += b.toString();
        if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
      });
      socket.connect(this.port, '127.0.0.1', () => socket.write('PING\r\n'));
    });
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

/**
 * `mariadbd` on its own data directory. Root has no password on 127.0.0.1.
 * A restart after `kill` keeps the data (InnoDB recovers the committed
 * transactions), which is what a database crash looks like to the engine.
 */
export class PrivateMariadb extends OwnedServer {
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {
    super(`mariadbd :${port}`);
  }

  static async start(): Promise<PrivateMariadb> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-chaos-mariadb-'));
    ownedDirs.add(dir);
    const db = new PrivateMariadb(await sparePort(), dir);
    await mkdir(db.dataDir, { recursive: true });
    try {
      await run(MARIADB_INSTALL_DB, [
        '--no-defaults', '--user=root', `--datadir=${db.dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db',
      ], { timeout: 60000 });
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      ownedDirs.delete(dir);
      throw new PrivateServiceError(db.name, `mariadb-install-db failed: ${(e as Error).message}`, { cause: e });
    }
    await db.start();
    return db;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** The server URL without a database, as `SLOTFLOW_TEST_MYSQL` is written. */
  get serverUrl(): string {
    return `mysql://root@127.0.0.1:${this.port}`;
  }

  protected command() {
    return {
      file: MARIADBD,
      args: [
        '--no-defaults', `--datadir=${this.dataDir}`, `--socket=${path.join(this.dir, 'mysqld.sock')}`, `--pid-file=${path.join(this.dir, 'mysqld.pid')}`,
        `--port=${this.port}`, '--bind-address=127.0.0.1', '--user=root', '--skip-name-resolve', '--skip-log-bin',
        '--innodb-buffer-pool-size=64M', '--max-connections=500',
        // Commits reach the OS at once and the disk within a second: a killed mariadbd loses nothing; only a lost host would.
        '--innodb-flush-log-at-trx-commit=2', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_bin',
      ],
    };
  }

  protected ready(): Promise<boolean> {
    return accepts(this.port);
  }

  /** Stops the server for good and removes its files. */
  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
    ownedDirs.delete(this.dir);
  }
}
