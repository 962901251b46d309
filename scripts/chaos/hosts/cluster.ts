import { type ChildProcess, execFile, spawn, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Hosts on one machine: a network namespace per host, each joined to one
 * bridge in the root namespace by a veth pair, with an address on a private
 * /24. The harness itself stays in the root namespace and owns the bridge's
 * address (`.1`), so it can reach every host, and the fault proxies it runs
 * (proxy.ts) listen there.
 *
 * Every name this module makes starts with the run's prefix (`sfh` and four
 * hex digits), and every namespace, link, mount, directory and process group
 * is written to a state file before it is made, so `cleanup` can remove what a
 * killed harness left behind, whoever ran it: teardown never depends on the
 * run ending well.
 *
 * A partition of a whole host is its veth taken down (its packets go
 * nowhere, sockets stay open on both sides, as with a cut cable); faults of
 * one link between two hosts are the proxy's.
 */

const run = promisify(execFile);

export const NAME_PREFIX = 'sfh';
export const STATE_DIR = os.tmpdir();
const STATE_FILE_PATTERN = /^slotflow-hosts-(sfh[0-9a-f]{4})\.json$/;
export const HOST_NAMES = ['db', 'redis1', 'redis2', 'redis3', 'worker1', 'worker2', 'sched'] as const;
export type HostName = (typeof HOST_NAMES)[number];
/** Short forms, so `<prefix><code>` fits the kernel's 15-character interface names. */
const CODES: Record<HostName, string> = { db: 'db', redis1: 'r1', redis2: 'r2', redis3: 'r3', worker1: 'w1', worker2: 'w2', sched: 'sc' };

export class ClusterError extends Error {
  override name = 'ClusterError';
}

export interface Host {
  name: HostName;
  /** The network namespace. */
  ns: string;
  address: string;
  /** The veth end in the root namespace, on the bridge: down means the host is cut off. */
  link: string;
}

/** What `cleanup` needs to undo a run. */
interface State {
  prefix: string;
  namespaces: string[];
  links: string[];
  mounts: string[];
  dirs: string[];
  processGroups: number[];
}

function statePath(prefix: string): string {
  return path.join(STATE_DIR, `slotflow-hosts-${prefix}.json`);
}

async function ip(...args: string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: 10000 });
  } catch (e) {
    throw new ClusterError(`ip ${args.join(' ')}: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
  }
}

/** Whether this process can make namespaces (root with iproute2), and why not when it cannot. */
export async function hostsUnsupported(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, veth pairs, a tmpfs mount)';
  try {
    await run('ip', ['-V']);
  } catch {
    return 'needs iproute2 (`ip`)';
  }
  return undefined;
}

export class Cluster {
  readonly hosts = new Map<HostName, Host>();
  readonly bridge: string;
  /** The root namespace's address on the bridge: where the harness and its proxies are reached. */
  readonly harnessAddress: string;
  private readonly subnet: string;
  private readonly state: State;
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  private constructor(readonly prefix: string) {
    // The subnet follows from the prefix, so two runs at once use different ones.
    const n = Number.parseInt(prefix.slice(NAME_PREFIX.length), 16);
    this.subnet = `10.${200 + (n % 50)}.${(n >> 6) % 256}`;
    this.bridge = `${prefix}br`;
    this.harnessAddress = `${this.subnet}.1`;
    this.state = { prefix, namespaces: [], links: [], mounts: [], dirs: [], processGroups: [] };
  }

  /** Makes the namespaces, the bridge and the links; on any failure removes what it made. */
  static async create(): Promise<Cluster> {
    const cluster = new Cluster(`${NAME_PREFIX}${randomBytes(2).toString('hex')}`);
    try {
      await cluster.build();
    } catch (e) {
      await cluster.destroy();
      throw e;
    }
    return cluster;
  }

  private save(): void {
    writeFileSync(statePath(this.prefix), JSON.stringify(this.state));
  }

  private async build(): Promise<void> {
    this.state.links.push(this.bridge);
    this.save();
    await ip('link', 'add', this.bridge, 'type', 'bridge');
    await ip('addr', 'add', `${this.harnessAddress}/24`, 'dev', this.bridge);
    await ip('link', 'set', this.bridge, 'up');
    for (const [i, name] of HOST_NAMES.entries()) {
      const host: Host = { name, ns: `${this.prefix}-${name}`, address: `${this.subnet}.${10 + i}`, link: `${this.prefix}${CODES[name]}` };
      const peer = `${host.link}p`;
      this.state.namespaces.push(host.ns);
      this.state.links.push(host.link);
      this.save();
      await ip('netns', 'add', host.ns);
      await ip('link', 'add', host.link, 'type', 'veth', 'peer', 'name', peer);
      await ip('link', 'set', peer, 'netns', host.ns);
      await ip('-n', host.ns, 'link', 'set', peer, 'name', 'eth0');
      await ip('-n', host.ns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
      await ip('-n', host.ns, 'link', 'set', 'eth0', 'up');
      await ip('-n', host.ns, 'link', 'set', 'lo', 'up');
      await ip('link', 'set', host.link, 'master', this.bridge);
      await ip('link', 'set', host.link, 'up');
      this.hosts.set(name, host);
    }
  }

  host(name: HostName): Host {
    const h = this.hosts.get(name);
    if (!h) throw new ClusterError(`no host ${name}`);
    return h;
  }

  /**
   * Runs a program inside a host's namespace, in a process group of its own (recorded before it runs on, so
   * `cleanup` finds it): `ip netns exec` enters the namespace and execs the program under the same pid.
   */
  spawn(host: HostName, file: string, args: readonly string[], opts: Omit<SpawnOptions, 'detached'> = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.host(host).ns, file, ...args], { ...opts, detached: true });
    if (child.pid === undefined) throw new ClusterError(`could not start ${file} on ${host}`);
    this.state.processGroups.push(child.pid);
    this.save();
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Records a directory to remove at teardown. */
  ownDir(dir: string): void {
    this.state.dirs.push(dir);
    this.save();
  }

  /** Mounts a tmpfs of `sizeMb` at `dir` (made and recorded first). */
  async mountTmpfs(dir: string, sizeMb: number): Promise<void> {
    this.state.mounts.push(dir);
    this.save();
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, `${this.prefix}-tmpfs`, dir]);
  }

  /** The host's cable pulled: nothing in or out, no reset, sockets left open. */
  async partition(host: HostName): Promise<void> {
    await ip('link', 'set', this.host(host).link, 'down');
  }

  async heal(host: HostName): Promise<void> {
    await ip('link', 'set', this.host(host).link, 'up');
  }

  /** Kills every process group this cluster started, removes mounts, namespaces, links, directories and the state file. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const waits = [...this.children].map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
    }));
    await undo(this.state, waits);
  }
}

/** Undoes one run's state: process groups first (they hold mounts and namespaces busy), then mounts, namespaces, links, dirs. */
async function undo(state: State, waits: Array<Promise<void>> = []): Promise<string[]> {
  const removed: string[] = [];
  for (const pgid of state.processGroups) {
    try {
      process.kill(-pgid, 'SIGCONT');
      process.kill(-pgid, 'SIGKILL');
      removed.push(`process group ${pgid}`);
    } catch {
      // already gone
    }
  }
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5000))]);
  // A group killed just now may take a moment to release its files.
  for (const pgid of state.processGroups) await waitGone(pgid);
  for (const dir of state.mounts) {
    if (await run('umount', [dir]).then(() => true, () => false)) removed.push(`mount ${dir}`);
  }
  for (const ns of state.namespaces) {
    if (await run('ip', ['netns', 'delete', ns]).then(() => true, () => false)) removed.push(`namespace ${ns}`);
  }
  for (const link of state.links) {
    if (await run('ip', ['link', 'delete', link]).then(() => true, () => false)) removed.push(`link ${link}`);
  }
  for (const dir of state.dirs) {
    if (existsSync(dir)) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(`dir ${dir}`);
    }
  }
  rmSync(statePath(state.prefix), { force: true });
  return removed;
}

async function waitGone(pgid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `--cleanup`: undoes every run whose state file is left, then removes namespaces and links that carry the
 * harness's prefix but no state file (a run killed between making a name and saving it). Returns what it removed.
 */
export async function cleanup(): Promise<string[]> {
  const removed: string[] = [];
  for (const file of readdirSync(STATE_DIR)) {
    if (!STATE_FILE_PATTERN.test(file)) continue;
    const state = JSON.parse(readFileSync(path.join(STATE_DIR, file), 'utf8')) as State;
    removed.push(...(await undo(state)));
  }
  const ours = new RegExp(`^${NAME_PREFIX}[0-9a-f]{4}`);
  const { stdout: namespaces } = await run('ip', ['netns', 'list']);
  for (const ns of namespaces.split('\n').map((l) => l.split(' ')[0]!).filter((n) => ours.test(n))) {
    await run('ip', ['netns', 'delete', ns]).catch(() => undefined);
    removed.push(`namespace ${ns}`);
  }
  const { stdout: links } = await run('ip', ['-o', 'link', 'show']);
  for (const name of links.split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '').filter((n) => ours.test(n))) {
    if (await run('ip', ['link', 'delete', name]).then(() => true, () => false)) removed.push(`link ${name}`);
  }
  return removed;
}
