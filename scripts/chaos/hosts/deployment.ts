import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { migrateDatabase } from '../../../src/adapters/mysql/connection.ts';
import { connect, type Distributed } from '../../../src/runtime/composition.ts';
import { compileSettings, type Settings } from '../../../src/settings.ts';
import { CHAOS_TIMINGS } from '../env.ts';
import { Fleet, type Member, type Role } from '../fleet.ts';
import { MARIADB_INSTALL_DB, MARIADBD, REDIS_SERVER } from '../private-services.ts';
import { Cluster, type HostName } from './cluster.ts';
import { FaultProxy } from './proxy.ts';

/**
 * A slotflow deployment on the cluster's hosts:
 *
 *   db        mariadbd on its own data directory, a tmpfs (so a full disk can be made)
 *   redis1-3  redis-server each; SLOTFLOW_REDIS_URL lists all three: Redlock needs two votes, redis1 carries the queues
 *   worker1-2 `slotflow worker`
 *   sched     `slotflow scheduler` (the sweeper, the engine's queues) and, for the API fault, `slotflow serve`
 *
 * Every connection from a slotflow host to a server host goes through a
 * fault proxy of its own (proxy.ts) in the root namespace, so each link can
 * be slowed, reset or blackholed alone. The harness (submitting tasks,
 * reading rows for the audit) talks to the servers directly: its view is not
 * under test.
 */

const run = promisify(execFile);

export const CLIENT_HOSTS = ['worker1', 'worker2', 'sched'] as const;
export type ClientHost = (typeof CLIENT_HOSTS)[number];
export const SERVER_HOSTS = ['db', 'redis1', 'redis2', 'redis3'] as const;
export type ServerHost = (typeof SERVER_HOSTS)[number];
export const MYSQL_PORT = 3306;
export const REDIS_PORT = 6379;
export const API_PORT = 8080;
/** The tmpfs under MySQL's data directory: room for the system tables, the schema and a few hundred tasks. */
export const DB_TMPFS_MB = 160;
/** The Redlock TTL of a task lock in these runs (the default is 5 s): short, so a partition outlasts it quickly. */
export const HOSTS_LOCK_TTL_MS = 2000;
const START_TIMEOUT_MS = 60000;

/** MySQL connects and statements give up after this here (the default is 10 s): a cut link is an error soon. */
export const HOSTS_MYSQL_TIMEOUT_MS = 3000;

export const HOSTS_TIMINGS = {
  ...CHAOS_TIMINGS, SLOTFLOW_LOCK_TTL_MS: String(HOSTS_LOCK_TTL_MS), SLOTFLOW_MYSQL_TIMEOUT_MS: String(HOSTS_MYSQL_TIMEOUT_MS),
} as const;

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

async function waitForPort(what: string, host: string, port: number, exited: () => string | undefined): Promise<void> {
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until) {
    const gone = exited();
    if (gone) throw new Error(`${what} exited while starting: ${gone}`);
    if (await accepts(host, port)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not listen on ${host}:${port} within ${START_TIMEOUT_MS} ms`);
}

interface ServerProcess {
  pid: number;
  exited: Promise<void>;
  log: () => string;
}

export class Deployment {
  readonly proxies = new Map<string, FaultProxy>();
  readonly fleet: Fleet;
  readonly historyPath: string;
  readonly servers = new Map<ServerHost, ServerProcess>();
  /** The harness's own runtime, straight to the servers. */
  d!: Distributed;
  settings!: Settings;
  private readonly database: string;

  private constructor(
    readonly cluster: Cluster,
    readonly dir: string,
    readonly tag: string,
  ) {
    this.historyPath = path.join(dir, 'history.jsonl');
    this.database = `slotflow_hosts_${tag}`;
    this.fleet = new Fleet({ env: {} });
  }

  /** Builds the cluster, starts the servers and the proxies, migrates the database; on failure tears all of it down. */
  static async start(): Promise<Deployment> {
    const cluster = await Cluster.create();
    let deployment: Deployment | undefined;
    try {
      const dir = await mkdtemp(path.join(os.tmpdir(), `${cluster.prefix}-`));
      cluster.ownDir(dir);
      deployment = new Deployment(cluster, dir, randomBytes(3).toString('hex'));
      await deployment.startServers();
      await deployment.startProxies();
      deployment.settings = compileSettings({
        ...deployment.baseEnv(),
        SLOTFLOW_MYSQL_URL: deployment.mysqlUrl(cluster.host('db').address, MYSQL_PORT),
        SLOTFLOW_REDIS_URL: SERVER_HOSTS.filter((h) => h !== 'db').map((h) => `redis://${cluster.host(h).address}:${REDIS_PORT}`).join(','),
      });
      await migrateDatabase(deployment.settings.mysqlUrl);
      deployment.d = connect(deployment.settings);
      return deployment;
    } catch (e) {
      if (deployment) await deployment.stop();
      else await cluster.destroy();
      throw e;
    }
  }

  private mysqlUrl(host: string, port: number): string {
    return `mysql://root@${host}:${port}/${this.database}`;
  }

  private baseEnv(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SLOTFLOW_QUEUE_PREFIX: `{hosts-${this.tag}}`,
      SLOTFLOW_DATA_DIR: path.join(this.dir, 'data'),
      SLOTFLOW_HISTORY_LOG: this.historyPath,
      SLOTFLOW_LOG_LEVEL: process.env.SLOTFLOW_CHAOS_CHILD_LOG_LEVEL ?? 'warn',
      ...HOSTS_TIMINGS,
    };
  }

  private async startServers(): Promise<void> {
    const dbDir = path.join(this.dir, 'db');
    const dataDir = path.join(dbDir, 'data');
    await mkdir(dataDir, { recursive: true });
    await this.cluster.mountTmpfs(dataDir, DB_TMPFS_MB);
    await run(MARIADB_INSTALL_DB, ['--no-defaults', '--user=root', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { timeout: 120000 });
    const db = this.cluster.host('db');
    this.startServer('db', MARIADBD, [
      '--no-defaults', `--datadir=${dataDir}`, `--socket=${path.join(dbDir, 'mysqld.sock')}`, `--pid-file=${path.join(dbDir, 'mysqld.pid')}`,
      `--port=${MYSQL_PORT}`, `--bind-address=${db.address}`, '--user=root', '--skip-name-resolve', '--skip-log-bin',
      // Connections come from the proxies' address, not localhost: no grants to match them.
      '--skip-grant-tables', '--innodb-buffer-pool-size=64M', '--innodb-log-file-size=16M', '--max-connections=500',
      '--innodb-flush-log-at-trx-commit=2', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_bin',
    ]);
    for (const name of ['redis1', 'redis2', 'redis3'] as const) this.startRedis(name);
    await Promise.all(SERVER_HOSTS.map((h) => this.waitServer(h)));
  }

  private startServer(host: ServerHost, file: string, args: string[]): void {
    const child = this.cluster.spawn(host, file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (b: Buffer) => (output = (output + b.toString()).slice(-8000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.servers.set(host, { pid: child.pid!, exited, log: () => output });
    void exited.then(() => (output += `\n[exited code ${child.exitCode} signal ${child.signalCode}]`));
  }

  startRedis(host: 'redis1' | 'redis2' | 'redis3'): void {
    this.startServer(host, REDIS_SERVER, [
      '--port', String(REDIS_PORT), '--bind', this.cluster.host(host).address, '--protected-mode', 'no', '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--dir', this.dir, '--loglevel', 'warning',
    ]);
  }

  async waitServer(host: ServerHost): Promise<void> {
    const server = this.servers.get(host)!;
    let gone = false;
    void server.exited.then(() => (gone = true));
    await waitForPort(host, this.cluster.host(host).address, host === 'db' ? MYSQL_PORT : REDIS_PORT, () => (gone ? server.log() : undefined));
  }

  /** SIGKILL to a server's process group: the host's server is gone. */
  async killServer(host: ServerHost): Promise<void> {
    const server = this.servers.get(host);
    if (!server) return;
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // gone already
    }
    await server.exited;
  }

  private async startProxies(): Promise<void> {
    for (const client of CLIENT_HOSTS) {
      for (const server of SERVER_HOSTS) {
        const proxy = new FaultProxy(`${client}>${server}`, this.cluster.harnessAddress, {
          host: this.cluster.host(server).address, port: server === 'db' ? MYSQL_PORT : REDIS_PORT,
        });
        await proxy.start();
        this.proxies.set(proxy.name, proxy);
      }
    }
  }

  link(client: ClientHost, server: ServerHost): FaultProxy {
    return this.proxies.get(`${client}>${server}`)!;
  }

  /** The environment of a slotflow process on `host`: every server reached through that host's proxies. */
  envFor(host: ClientHost, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const at = (server: ServerHost) => this.link(host, server).address;
    return {
      ...this.baseEnv(),
      SLOTFLOW_MYSQL_URL: `mysql://root@${at('db')}/${this.database}`,
      SLOTFLOW_REDIS_URL: (['redis1', 'redis2', 'redis3'] as const).map((r) => `redis://${at(r)}`).join(','),
      SLOTFLOW_HTTP_ADDR: `${this.cluster.host(host).address}:${API_PORT}`,
      ...extra,
    };
  }

  /** The base URL of the HTTP API (`slotflow serve`) on `host`, as the harness reaches it over the bridge. */
  apiUrl(host: ClientHost): string {
    return `http://${this.cluster.host(host).address}:${API_PORT}`;
  }

  /** Starts `slotflow <role>` inside the host's namespace. */
  async startProcess(role: Role, host: ClientHost, extra: NodeJS.ProcessEnv = {}, workerArgs?: readonly string[]): Promise<Member> {
    return this.fleet.start(role, {
      env: this.envFor(host, extra), spawn: (file, args, opts) => this.cluster.spawn(host, file, args, opts), ...(workerArgs ? { workerArgs } : {}),
    });
  }

  /** Everything down: the slotflow processes (SIGTERM, then SIGKILL), the harness runtime, the proxies, the servers and the cluster. */
  async stop(): Promise<void> {
    try {
      await this.fleet.stopAll(5000);
      for (const p of this.proxies.values()) p.clear();
      await this.d?.close().catch(() => undefined);
      await Promise.all([...this.proxies.values()].map((p) => p.close()));
    } finally {
      await this.cluster.destroy();
    }
  }
}

export type { HostName };
