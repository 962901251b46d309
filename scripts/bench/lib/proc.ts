import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Processes for the benchmarks: reading /proc (RSS, CPU time, parent links),
 * sampling the memory of a process tree, and child processes that say when
 * they are ready.
 */

export const PAGE_BYTES = 4096;
export const CLOCK_TICKS = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** user + system CPU of the process itself, seconds. */
  cpuSec: number;
  /** user + system CPU of its waited-for children, seconds. */
  childCpuSec: number;
  rssBytes: number;
}

/** One /proc/<pid>/stat, or undefined when the process is gone. */
export function procStat(pid: number): ProcStat | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseStat(raw);
}

export function parseStat(raw: string): ProcStat | undefined {
  const open = raw.indexOf('(');
  const close = raw.lastIndexOf(')');
  if (open < 0 || close < 0) return undefined;
  const f = raw.slice(close + 2).split(' ');
  const n = (i: number) => Number(f[i] ?? 0);
  return {
    pid: Number(raw.slice(0, open).trim()),
    ppid: n(1),
    comm: raw.slice(open + 1, close),
    cpuSec: (n(11) + n(12)) / CLOCK_TICKS,
    childCpuSec: (n(13) + n(14)) / CLOCK_TICKS,
    rssBytes: n(21) * PAGE_BYTES,
  };
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** The given processes and all their descendants, from one pass over /proc. */
export function treeOf(roots: readonly number[]): ProcStat[] {
  const stats = allStats();
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const out: ProcStat[] = [];
  const todo = roots.map((r) => byPid.get(r)).filter((s): s is ProcStat => s !== undefined);
  while (todo.length > 0) {
    const s = todo.pop()!;
    out.push(s);
    todo.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

export interface SeenProcess {
  pid: number;
  ppid: number;
  comm: string;
  cmd: string;
  firstSeenMs: number;
  lastSeenMs: number;
  peakRssBytes: number;
  cpuSec: number;
}

export interface TreeReport {
  peakRssBytes: number;
  /** When the peak was seen, ms after sampling started. */
  peakAtMs: number;
  /** What was running at the peak: comm and RSS, largest first. */
  peakMembers: Array<{ comm: string; rssMb: number }>;
  samples: number;
  processes: SeenProcess[];
}

/**
 * Samples the summed RSS of a process tree every `intervalMs` (the roots
 * themselves can be excluded: a wrapper shell, say). With `scan`, descendants
 * are found by a pass over /proc; without it, only the roots are read.
 */
export class TreeSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = new Map<number, SeenProcess>();
  private peak = 0;
  private peakAt = 0;
  private peakMembers: Array<{ comm: string; rssMb: number }> = [];
  private samples = 0;
  private readonly started = performance.now();

  constructor(
    private readonly roots: () => readonly number[],
    private readonly opts: { intervalMs?: number; scan?: boolean; excludeRoots?: boolean } = {},
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.opts.intervalMs ?? 100);
    return this;
  }

  sample(): void {
    const roots = this.roots();
    const now = performance.now() - this.started;
    const members = (this.opts.scan ? treeOf(roots) : roots.map(procStat).filter((s): s is ProcStat => s !== undefined))
      .filter((s) => !(this.opts.excludeRoots && roots.includes(s.pid)));
    let total = 0;
    for (const s of members) {
      total += s.rssBytes;
      const known = this.seen.get(s.pid);
      if (known) {
        known.lastSeenMs = now;
        known.peakRssBytes = Math.max(known.peakRssBytes, s.rssBytes);
        known.cpuSec = s.cpuSec;
        if (known.comm !== s.comm) {
          // The process exec'ed another program (a shell's fork becoming node): it is that program from now on.
          known.comm = s.comm;
          known.cmd = cmdline(s.pid);
        }
      } else {
        this.seen.set(s.pid, { pid: s.pid, ppid: s.ppid, comm: s.comm, cmd: cmdline(s.pid), firstSeenMs: now, lastSeenMs: now, peakRssBytes: s.rssBytes, cpuSec: s.cpuSec });
      }
    }
    this.samples++;
    if (total > this.peak) {
      this.peak = total;
      this.peakAt = now;
      this.peakMembers = members.map((s) => ({ comm: s.comm, rssMb: mb(s.rssBytes) })).sort((a, b) => b.rssMb - a.rssMb);
    }
  }

  stop(): TreeReport {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return { peakRssBytes: this.peak, peakAtMs: this.peakAt, peakMembers: this.peakMembers, samples: this.samples, processes: [...this.seen.values()] };
  }
}

export function mb(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

export interface Ready {
  child: ChildProcess;
  pid: number;
  stderr: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export const liveChildren = new Set<ChildProcess>();

/** Starts a process and resolves once a line of its stderr (or stdout) matches `ready`. */
export function spawnReady(cmd: string, args: readonly string[], opts: { env: NodeJS.ProcessEnv; cwd: string; ready: RegExp; timeoutMs?: number; label: string }): Promise<Ready> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child);
    let err = '';
    let settled = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    void exited.then(() => liveChildren.delete(child));
    const timer = setTimeout(() => fail(new Error(`${opts.label} did not start within ${opts.timeoutMs ?? 60000} ms:\n${err.slice(-2000)}`)), opts.timeoutMs ?? 60000);
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-20000);
      if (!settled && opts.ready.test(err)) {
        settled = true;
        clearTimeout(timer);
        resolve({
          child,
          pid: child.pid!,
          stderr: () => err,
          async stop(graceMs = 15000) {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await exited;
            clearTimeout(t);
          },
        });
      }
    };
    child.stderr!.on('data', onData);
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => fail(new Error(`${opts.label} exited (${code ?? signal}) before it was ready:\n${err.slice(-2000)}`)));
    child.once('error', (e) => fail(e));
  });
}

/** Kills whatever the benchmark started and is still running (on an error or Ctrl-C). */
export function killLiveChildren(): void {
  for (const c of liveChildren) c.kill('SIGKILL');
  liveChildren.clear();
}

export interface Machine {
  cpuModel: string;
  cpus: number;
  memGiB: number;
  kernel: string;
  node: string;
  loadAvg: number[];
}

export function machine(): Machine {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** CPU seconds used so far by the server processes the benchmarks share (MariaDB, Redis), when visible. */
/** Servers the benchmark started itself (a private redis-server): counted on their own, never as the shared one. */
export const privateServerPids = new Set<number>();

/**
 * CPU seconds of the shared MariaDB and Redis so far, or, with `redisPid`, of that
 * private redis-server in place of the shared one.
 */
export function serverCpu(redisPid?: number): { mysqld: number | null; redis: number | null } {
  const stats = allStats();
  const sum = (re: RegExp) => {
    const hits = stats.filter((s) => re.test(s.comm) && !privateServerPids.has(s.pid));
    return hits.length === 0 ? null : hits.reduce((a, s) => a + s.cpuSec, 0);
  };
  const redis = redisPid === undefined ? sum(/^redis-server$/) : (procStat(redisPid)?.cpuSec ?? null);
  return { mysqld: sum(/^(mariadbd|mysqld)$/), redis };
}

export interface HostCpu {
  total: number;
  steal: number;
}

/** The host's CPU counters (/proc/stat): total jiffies and those stolen by the hypervisor. */
export function hostCpu(): HostCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  return { total: f.slice(0, 8).reduce((a, b) => a + (b || 0), 0), steal: f[7] ?? 0 };
}

/** Percentage of CPU time the hypervisor gave to others between two readings: high values make wall times meaningless. */
export function stealPct(a: HostCpu, b: HostCpu): number {
  const total = b.total - a.total;
  return total > 0 ? Math.round(((b.steal - a.steal) / total) * 1000) / 10 : 0;
}
