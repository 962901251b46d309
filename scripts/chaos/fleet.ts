import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `slotflow scheduler` and `slotflow worker` processes a scenario runs,
 * started from `bin/slotflow.js` exactly as deployed. The fleet remembers
 * every process it started, how each one ended and why (a kill the harness
 * made, a SIGTERM, or on its own: a crash), so a scenario can tell "no
 * process exited" from "every process we killed died".
 */

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const HOST = hostname();
export const START_TIMEOUT_MS = 60000;

/** `serve`: the HTTP API, for the faults that judge its answers. */
export type Role = 'scheduler' | 'worker' | 'serve';

export interface Member {
  role: Role;
  child: ChildProcess;
  pid: number;
  /** What its component runs record as `worker` (`host:pid`). */
  workerId: string;
  startedAt: number;
  /** It said it was running. */
  ready: boolean;
  /** When it said it got a SIGTERM and is finishing its jobs. */
  stoppingAt?: number;
  /** Set when the harness sent the signal, before it was sent. */
  killedWith?: NodeJS.Signals;
  killedAt?: number;
  exit?: { code: number | null; signal: NodeJS.Signals | null; at: number };
  exited: Promise<void>;
  log(): string;
}

export interface FleetOptions {
  env: NodeJS.ProcessEnv;
  /** Handler queues a worker takes (default builtin.sleep and builtin.noop). */
  handlers?: readonly string[];
  concurrency?: number;
}

/** Where a process runs: its own environment, and a launcher (a network namespace's `ip netns exec`); default here, with the fleet's. */
export interface Placement {
  env?: NodeJS.ProcessEnv;
  spawn?: (file: string, args: readonly string[], opts: SpawnOptions) => ChildProcess;
  /** A worker's arguments instead of the fleet's `--handlers` (and `--concurrency`). */
  workerArgs?: readonly string[];
}

/** Processes of every fleet, killed if the harness exits before stopping them. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class Fleet {
  readonly members: Member[] = [];

  constructor(private readonly opts: FleetOptions) {}

  /** Starts a process and waits until it says it is running. */
  async start(role: Role, placement: Placement = {}): Promise<Member> {
    const args = role === 'worker' && placement.workerArgs ? ['worker', ...placement.workerArgs] : role === 'worker'
      ? ['worker', '--handlers', (this.opts.handlers ?? ['builtin.sleep', 'builtin.noop']).join(','),
        ...(this.opts.concurrency ? ['--concurrency', String(this.opts.concurrency)] : [])]
      : [role];
    const launch = placement.spawn ?? ((file, a, o) => spawn(file, a, o));
    const child = launch(process.execPath, ['bin/slotflow.js', ...args], { cwd: REPO, env: placement.env ?? this.opts.env, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let stderr = '';
    const member: Member = {
      role, child, pid: child.pid ?? -1, workerId: `${HOST}:${child.pid}`, startedAt: Date.now(), ready: false,
      exited: new Promise<void>((resolve) => {
        child.once('exit', (code, signal) => {
          member.exit = { code, signal, at: Date.now() };
          resolve();
        });
      }),
      log: () => stderr.slice(-6000),
    };
    this.members.push(member);
    child.stderr!.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`slotflow ${role} did not start within ${START_TIMEOUT_MS} ms:\n${member.log()}`)), START_TIMEOUT_MS);
      child.stderr!.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-200000);
        if (member.stoppingAt === undefined && /: SIGTERM, /.test(chunk)) member.stoppingAt = Date.now();
        if (!member.ready && / running \(pid /.test(stderr)) {
          member.ready = true;
          clearTimeout(timer);
          resolve();
        }
      });
      void member.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`slotflow ${role} exited (code ${member.exit?.code}, signal ${member.exit?.signal}) before it was running:\n${member.log()}`));
      });
    });
    return member;
  }

  /** Running and not signalled by the harness. */
  get alive(): Member[] {
    return this.members.filter((m) => !m.exit && !m.killedWith);
  }

  get ready(): Member[] {
    return this.alive.filter((m) => m.ready);
  }

  /** Processes that ended without the harness signalling them: crashes. */
  get crashed(): Member[] {
    return this.members.filter((m) => m.exit && !m.killedWith);
  }

  async kill(member: Member, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (member.exit) return;
    member.killedWith = signal;
    member.killedAt = Date.now();
    member.child.kill(signal);
    await member.exited;
  }

  /** SIGTERM (running jobs finish), SIGKILL after `graceMs`. */
  async stop(member: Member, graceMs = 15000): Promise<void> {
    if (member.exit) return;
    member.killedWith = 'SIGTERM';
    member.killedAt = Date.now();
    member.child.kill('SIGTERM');
    const timer = setTimeout(() => member.child.kill('SIGKILL'), graceMs);
    await member.exited;
    clearTimeout(timer);
  }

  /** Stops every process still running. */
  async stopAll(graceMs = 15000): Promise<void> {
    await Promise.all(this.members.filter((m) => !m.exit).map((m) => this.stop(m, graceMs)));
  }

  /** Processes that did not exit 0 after a SIGTERM: a graceful shutdown that was not. */
  get badStops(): Member[] {
    return this.members.filter((m) => m.killedWith === 'SIGTERM' && m.exit && m.exit.code !== 0);
  }

  describeCrashes(): string {
    return this.crashed.map((m) => `${m.role} pid ${m.pid} exited (code ${m.exit!.code}, signal ${m.exit!.signal}):\n${m.log()}`).join('\n\n');
  }
}
