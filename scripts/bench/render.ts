import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodeFloor, X264_PRESET } from '../../src/adapters/ffmpeg/index.ts';
import { compileSettings } from '../../src/settings.ts';
import { mediaFromSettings } from '../../src/pipeline/providers.ts';
import { ROOT, SLOTFLOW_BIN } from './lib/env.ts';
import { hostCpu, liveChildren, mb, parseStat, procStat, type SeenProcess, stealPct, TreeSampler } from './lib/proc.ts';
import { round } from './lib/stats.ts';

/**
 * The render benchmarks: `slotflow render` of the sample article as a child
 * process (embedded mode: no MySQL, no Redis), timed from spawn to exit,
 * with the summed RSS of its whole process tree (node, ffmpeg, ffprobe,
 * espeak-ng) sampled every 100 ms and its exact CPU time (the wrapper
 * shell's waited-for children, read from /proc when it is done). Then the
 * floor: `encodeFloor`, one plain ffmpeg encode of the same duration, size
 * and codec settings with no filters. Then the repeat: the same command in
 * the same data directory, served from the result cache.
 */

export const SAMPLE_ARTICLE = path.join(ROOT, 'examples', 'sample-article.md');

export interface RenderSummary {
  output: string;
  flow: string;
  duration_sec: number;
  width: number;
  height: number;
  wall_sec: number;
  components_executed: number;
  components_reused: number;
  voice?: unknown;
}

export interface RenderRun {
  command: string;
  /** Spawn to exit of `slotflow render`, seconds: what a user waits for. */
  wallSec: number;
  /** The render's own measurement inside the process (after startup), seconds. */
  inProcessSec: number;
  videoSec: number;
  width: number;
  height: number;
  realtimeFactor: number;
  componentsExecuted: number;
  componentsReused: number;
  /** CPU seconds of the whole tree (node and every ffmpeg it ran). */
  cpuSec: number | null;
  peakRssMb: number;
  peakMembers: Array<{ comm: string; rssMb: number }>;
  /** Where the wall time went, from the sampled process tree. */
  breakdown: Breakdown;
  bytes: number;
  loadAvg1: number;
  stealPct: number;
}

export interface Breakdown {
  /** Wall seconds during which at least one child (ffmpeg, ffprobe, espeak-ng) was running. */
  childBusySec: number;
  /** Wall seconds with no child running: node startup, JS work, waiting between steps. */
  nodeOnlySec: number;
  byProgram: Array<{ program: string; count: number; busySec: number; cpuSec: number; maxParallel: number }>;
  longest: Array<{ program: string; sec: number; cpuSec: number; what: string }>;
  /** The ffmpeg runs that encode H.264 (title card and scenes): their video length and CPU, against the floor's CPU per video second. */
  encodes: { count: number; videoSec: number; cpuSec: number; cpuPerVideoSec: number };
}

function quote(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Runs `slotflow render ... --json` under a shell that reports its children's CPU, sampling the tree's memory. */
export async function runRender(opts: { dataDir: string; out: string; size?: string; format?: string }): Promise<RenderRun> {
  // Karaoke captions and the default transition (a crossfade at every scene join): the costliest of the usual renders.
  const args = ['render', SAMPLE_ARTICLE, '-o', opts.out, '--format', opts.format ?? '9:16', '--captions', 'karaoke', ...(opts.size ? ['--size', opts.size] : []), '--json'];
  const command = `slotflow ${quote(args.map((a) => (a.startsWith(ROOT) ? path.relative(ROOT, a) : a)))}`;
  // The shell waits for node, which waits for every ffmpeg: its cutime+cstime is the whole tree's CPU.
  const script = `"$@"; rc=$?; echo "SFB_STAT $(cat /proc/$$/stat)" >&2; exit $rc`;
  const started = performance.now();
  const host0 = hostCpu();
  const child = spawn('bash', ['-c', script, 'bash', process.execPath, SLOTFLOW_BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, SLOTFLOW_DATA_DIR: opts.dataDir, SLOTFLOW_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  const sampler = new TreeSampler(() => [child.pid!], { intervalMs: 100, scan: true, excludeRoots: true }).start();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('exit', (c) => resolve(c));
    child.once('error', reject);
  });
  liveChildren.delete(child);
  const wallSec = (performance.now() - started) / 1000;
  const tree = sampler.stop();
  if (code !== 0) throw new Error(`slotflow render exited ${code}:\n${stderr.slice(-3000)}`);
  const summary = JSON.parse(stdout) as RenderSummary;
  const statLine = /SFB_STAT (.*)/.exec(stderr)?.[1];
  const shell = statLine ? parseStat(statLine) : undefined;
  return {
    command,
    wallSec: round(wallSec, 2),
    inProcessSec: summary.wall_sec,
    videoSec: round(summary.duration_sec, 2),
    width: summary.width,
    height: summary.height,
    realtimeFactor: round(summary.duration_sec / wallSec, 3),
    componentsExecuted: summary.components_executed,
    componentsReused: summary.components_reused,
    cpuSec: shell ? round(shell.childCpuSec, 1) : null,
    peakRssMb: mb(tree.peakRssBytes),
    peakMembers: tree.peakMembers.slice(0, 8),
    breakdown: breakdown(tree.processes, child.pid!, wallSec),
    bytes: (await stat(opts.out)).size,
    loadAvg1: round(os.loadavg()[0]!, 2),
    stealPct: stealPct(host0, hostCpu()),
  };
}

/** The node process is the shell's child; everything below it is work it started. */
function breakdown(procs: readonly SeenProcess[], shellPid: number, wallSec: number): Breakdown {
  const node = procs.find((p) => p.ppid === shellPid);
  // A child seen between fork and exec still looks like node: not a program of its own.
  const kids = procs.filter((p) => p !== node && p.pid !== shellPid && !(node && p.comm === node.comm && p.cmd === node.cmd));
  const intervals = kids.map((p) => [p.firstSeenMs, p.lastSeenMs + 100] as const).sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let end = -Infinity;
  let startAt = -Infinity;
  for (const [s, e] of intervals) {
    if (s > end) {
      if (end > startAt) busy += end - startAt;
      startAt = s;
      end = e;
    } else end = Math.max(end, e);
  }
  if (end > startAt) busy += end - startAt;
  const groups = new Map<string, SeenProcess[]>();
  for (const p of kids) {
    const name = p.comm === 'node' ? `node ${p.cmd.split(' ').slice(1, 3).join(' ')}`.slice(0, 60) : p.comm;
    groups.set(name, [...(groups.get(name) ?? []), p]);
  }
  const byProgram = [...groups].map(([program, list]) => ({
    program,
    count: list.length,
    busySec: round(list.reduce((a, p) => a + (p.lastSeenMs - p.firstSeenMs + 100), 0) / 1000, 1),
    cpuSec: round(list.reduce((a, p) => a + p.cpuSec, 0), 1),
    maxParallel: maxParallel(list),
  })).sort((a, b) => b.busySec - a.busySec);
  const longest = [...kids]
    .sort((a, b) => b.lastSeenMs - b.firstSeenMs - (a.lastSeenMs - a.firstSeenMs))
    .slice(0, 6)
    .map((p) => ({ program: p.comm, sec: round((p.lastSeenMs - p.firstSeenMs + 100) / 1000, 1), cpuSec: round(p.cpuSec, 1), what: describe(p.cmd) }));
  const encoders = kids.filter((p) => p.comm === 'ffmpeg' && p.cmd.includes(' libx264 ') && !p.cmd.includes(' -c:v copy'));
  const encodedSec = encoders.reduce((a, p) => a + Number(/ -t ([\d.]+) /.exec(p.cmd)?.[1] ?? 0), 0);
  const encodeCpu = encoders.reduce((a, p) => a + p.cpuSec, 0);
  return {
    childBusySec: round(busy / 1000, 1), nodeOnlySec: round(Math.max(0, wallSec - busy / 1000), 1), byProgram, longest,
    encodes: { count: encoders.length, videoSec: round(encodedSec, 1), cpuSec: round(encodeCpu, 1), cpuPerVideoSec: encodedSec > 0 ? round(encodeCpu / encodedSec, 3) : 0 },
  };
}

function maxParallel(list: readonly SeenProcess[]): number {
  const edges = list.flatMap((p) => [[p.firstSeenMs, 1], [p.lastSeenMs + 100, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

/** An ffmpeg command line, shortened to what it made: its inputs' kinds, filters' presence and output file. */
function describe(cmd: string): string {
  const parts = cmd.split(' ');
  const out = parts[parts.length - 1] ?? '';
  const filters = cmd.includes('-filter_complex') ? ' filter_complex' : cmd.includes(' -vf ') ? ' vf' : '';
  const copy = cmd.includes('-c copy') ? ' copy' : '';
  const size = /(\d{3,4}x\d{3,4})/.exec(cmd)?.[1];
  const t = / -t ([\d.]+) /.exec(cmd)?.[1];
  return `${path.basename(out)}${filters}${copy}${size ? ` ${size}` : ''}${t ? ` ${Number(t).toFixed(1)} s` : ''}`.slice(0, 90);
}

export interface FloorRun {
  wallSec: number;
  cpuSec: number;
  videoSec: number;
  width: number;
  height: number;
  preset: string;
  realtimeFactor: number;
  cpuPerVideoSec: number;
  peakRssMb: number;
  stealPct: number;
}

/** One plain encode of the same duration, size and codec settings, no filters (`encodeFloor`). */
export async function runFloor(width: number, height: number, durationSec: number): Promise<FloorRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-bench-floor-'));
  try {
    const sampler = new TreeSampler(() => [process.pid], { intervalMs: 100, scan: true, excludeRoots: true }).start();
    const before = procStat(process.pid)!;
    const host0 = hostCpu();
    const t0 = performance.now();
    await encodeFloor(mediaFromSettings(compileSettings()).runner, { width, height, durationSec, out: path.join(dir, 'floor.mp4') });
    const wallSec = (performance.now() - t0) / 1000;
    const after = procStat(process.pid)!;
    const tree = sampler.stop();
    return {
      wallSec: round(wallSec, 2),
      cpuSec: round(after.childCpuSec - before.childCpuSec, 1),
      videoSec: round(durationSec, 2),
      width,
      height,
      preset: X264_PRESET,
      realtimeFactor: round(durationSec / wallSec, 3),
      cpuPerVideoSec: round((after.childCpuSec - before.childCpuSec) / durationSec, 3),
      peakRssMb: mb(tree.peakRssBytes),
      stealPct: stealPct(host0, hostCpu()),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RenderBench {
  size: string;
  reduced: boolean;
  first: RenderRun;
  floor: FloorRun;
  /** Render wall time over floor wall time. */
  floorRatio: number;
  /** Render CPU over floor CPU: the same comparison, less sensitive to what else the machine is doing. */
  floorCpuRatio: number | null;
  repeat: RenderRun;
}

export async function renderBench(opts: { size?: string }): Promise<RenderBench> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-bench-render-'));
  try {
    const first = await runRender({ dataDir, out: path.join(dataDir, 'first.mp4'), ...(opts.size ? { size: opts.size } : {}) });
    const floor = await runFloor(first.width, first.height, first.videoSec);
    const repeat = await runRender({ dataDir, out: path.join(dataDir, 'repeat.mp4'), ...(opts.size ? { size: opts.size } : {}) });
    return {
      size: `${first.width}x${first.height}`,
      reduced: opts.size !== undefined,
      first,
      floor,
      floorRatio: round(first.wallSec / floor.wallSec, 2),
      floorCpuRatio: first.cpuSec === null || floor.cpuSec === null ? null : round(first.cpuSec / floor.cpuSec, 2),
      repeat,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
