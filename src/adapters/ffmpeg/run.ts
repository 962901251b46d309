/**
 * The only place in slotflow that starts ffmpeg or ffprobe, and the only
 * place that knows where they are.
 *
 * - Programs run through execa with argument arrays, never a shell string,
 *   and always with `COMMON_ARGS` / `PROBE_COMMON_ARGS`.
 * - Every failure is an `FfmpegError` carrying the arguments and the tail of
 *   stderr.
 * - A run takes an `AbortSignal`. On abort the child gets SIGTERM and, if it
 *   is still alive `KILL_GRACE_MS` later, SIGKILL; the call settles only once
 *   the child is gone, so whatever the caller holds (an encode slot) is freed
 *   after the process, not before.
 *
 * The binaries are located once, from paths the composition hands in
 * (`locateFfmpeg`), and held by an `FfmpegRunner`; a probe of what the binary
 * can do (`-version`, `-filters`, `-encoders`) belongs on the runner too,
 * memoised per instance.
 */
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa, ExecaError } from 'execa';
import { fileStamp, findOnPath, isExecutable, ProbeCache } from '../installed-programs.ts';
import { type Capabilities, compareBuilds, isComplete, MissingCapabilityError, probeCapabilities } from './capabilities.ts';
import { FfmpegError, type MediaProgram } from './errors.ts';

/** Arguments every ffmpeg run starts with. */
export const COMMON_ARGS: readonly string[] = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'];
/** Arguments every ffprobe run starts with. */
export const PROBE_COMMON_ARGS: readonly string[] = ['-hide_banner', '-loglevel', 'error'];

/** The last this many characters of stderr are kept on an `FfmpegError`. */
const STDERR_TAIL_CHARS = 4000;
/** ffprobe prints JSON on stdout; a long file with many streams stays well under this. */
const MAX_STDOUT_BYTES = 16 * 1024 * 1024;
/**
 * Between SIGTERM and SIGKILL on abort. ffmpeg stops within a frame or two on
 * SIGTERM; the SIGKILL is for one stuck in a filter or on I/O. Together with
 * the time to reap the child this stays under a second.
 */
export const KILL_GRACE_MS = 500;

export type BinarySource = 'given' | 'system' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe';

export interface Binaries {
  ffmpeg: string;
  ffprobe: string;
  /** Where `ffmpeg` came from. */
  source: BinarySource;
  /** Where `ffprobe` came from. */
  ffprobeSource: BinarySource;
  /** What the chosen ffmpeg can do, probed once. */
  capabilities: Capabilities;
}

export interface FfmpegPaths {
  /** An ffmpeg to use instead of choosing one (the `FFMPEG_PATH` setting). */
  ffmpegPath?: string | undefined;
  /** An ffprobe to use instead of the one beside the chosen ffmpeg (the `FFPROBE_PATH` setting). */
  ffprobePath?: string | undefined;
  /** Directories (`:`-separated, like `PATH`) where a system ffmpeg is looked for; none: no system ffmpeg is considered. */
  searchPath?: string | undefined;
}

/**
 * ffmpeg: `ffmpegPath` when given; else a system `ffmpeg` on `searchPath`
 * that is newer than the packaged build and has libx264, AAC and libass
 * (users who installed one chose it, and the packaged build is from 2018);
 * else `ffmpeg-static` when it installed; else `@ffmpeg-installer/ffmpeg`.
 * ffprobe: `ffprobePath`, else the one beside a given or system ffmpeg, else
 * `@ffprobe-installer/ffprobe`.
 */
export function locateFfmpeg(paths: FfmpegPaths = {}): Binaries {
  const require = createRequire(import.meta.url);
  const ffmpeg = paths.ffmpegPath ? given(paths.ffmpegPath) : chooseFfmpeg(require, paths.searchPath);
  const sibling = ffmpeg.source === 'given' || ffmpeg.source === 'system' ? path.join(path.dirname(ffmpeg.path), 'ffprobe') : undefined;
  const ffprobe = paths.ffprobePath
    ? { path: paths.ffprobePath, source: 'given' as const }
    : sibling && isExecutable(sibling)
      ? { path: sibling, source: ffmpeg.source }
      : { path: (require('@ffprobe-installer/ffprobe') as { path: string }).path, source: '@ffprobe-installer/ffprobe' as const };
  return { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, source: ffmpeg.source, ffprobeSource: ffprobe.source, capabilities: ffmpeg.capabilities() };
}

interface Candidate {
  path: string;
  source: BinarySource;
  capabilities(): Capabilities;
}

function given(binary: string): Candidate {
  // A given binary that does not run is reported when it is first used, with its path, not at start.
  return { path: binary, source: 'given', capabilities: () => probeOrUnknown(binary) };
}

function chooseFfmpeg(require: NodeJS.Require, searchPath: string | undefined): Candidate {
  const packaged = packagedFfmpeg(require);
  const system = searchPath === undefined ? undefined : findOnPath('ffmpeg', searchPath);
  if (system && realpathSync(system) !== realpathSync(packaged.path)) {
    const found = probeOrUnknown(system);
    if (isComplete(found) && compareBuilds(found, packaged.capabilities()) > 0) return { path: system, source: 'system', capabilities: () => found };
  }
  return packaged;
}

function packagedFfmpeg(require: NodeJS.Require): Candidate {
  let chosen: { path: string; source: BinarySource };
  try {
    // An optional dependency: absent here, and it exports null on platforms it has no build for.
    const staticPath: unknown = require('ffmpeg-static');
    chosen = typeof staticPath === 'string' && existsSync(staticPath)
      ? { path: staticPath, source: 'ffmpeg-static' }
      : { path: (require('@ffmpeg-installer/ffmpeg') as { path: string }).path, source: '@ffmpeg-installer/ffmpeg' };
  } catch {
    chosen = { path: (require('@ffmpeg-installer/ffmpeg') as { path: string }).path, source: '@ffmpeg-installer/ffmpeg' };
  }
  return { ...chosen, capabilities: () => probeOrUnknown(chosen.path) };
}

/**
 * Probed capabilities by binary path, size and modification time: facts about
 * a file, the same for every runner of every process. The probe costs three
 * runs of the binary (about 0.3 s for two builds on a quiet machine), so the
 * answers are also remembered where the next process finds them (`ProbeCache`).
 */
const probed = new Map<string, Capabilities>();
const probeCache = new ProbeCache<StoredCapabilities>('ffmpeg');

interface StoredCapabilities extends Omit<Capabilities, 'encoders' | 'filters'> {
  encoders: string[];
  filters: string[];
}

function probeOrUnknown(binary: string): Capabilities {
  const stamp = fileStamp(binary);
  if (stamp === undefined) return UNKNOWN_CAPABILITIES;
  let found = probed.get(stamp);
  if (found) return found;
  const stored = probeCache.recall(stamp);
  if (stored?.known) {
    found = { ...stored, encoders: new Set(stored.encoders), filters: new Set(stored.filters) };
  } else {
    try {
      found = probeCapabilities(binary);
    } catch {
      return UNKNOWN_CAPABILITIES;
    }
    probeCache.remember(stamp, { ...found, encoders: [...found.encoders], filters: [...found.filters] }, { [binary]: stamp });
  }
  probed.set(stamp, found);
  return found;
}

/** A binary that did not answer the probes: nothing is known, so nothing is assumed missing either. */
const UNKNOWN_CAPABILITIES: Capabilities = { known: false, version: 'unknown', libavcodec: [0, 0, 0], release: 'unknown', encoders: new Set(), filters: new Set() };

export interface RunOptions {
  /** Aborting it stops the program (SIGTERM, then SIGKILL); the call then rejects with a cancelled `FfmpegError`. */
  signal?: AbortSignal | undefined;
}

export interface RunRequest extends RunOptions {
  env?: Record<string, string>;
}

/** Runs ffmpeg and ffprobe from one pair of binaries. */
export class FfmpegRunner {
  /** Children started and not yet reaped. */
  private readonly live = new Set<Promise<unknown>>();

  constructor(readonly binaries: Binaries = locateFfmpeg()) {}

  get capabilities(): Capabilities {
    return this.binaries.capabilities;
  }

  /** Whether the build has the filter (an unprobed build is taken to have it; a run will tell). */
  hasFilter(name: string): boolean {
    return !this.capabilities.known || this.capabilities.filters.has(name);
  }

  /** Fails with a message naming the filter and the build when a feature needs a filter the build lacks. */
  requireFilters(feature: string, ...names: string[]): void {
    const missing = names.find((n) => !this.hasFilter(n));
    if (missing) throw new MissingCapabilityError(feature, `${missing} filter`, this.binaries.ffmpeg, this.capabilities.version);
  }

  /** Children running now. */
  get running(): number {
    return this.live.size;
  }

  /**
   * Resolves once no child of this runner is running. A process that is about
   * to exit aborts its work, then waits here, so that no ffmpeg outlives it.
   */
  async settled(): Promise<void> {
    while (this.live.size > 0) await Promise.allSettled([...this.live]);
  }

  /** ffmpeg with `COMMON_ARGS` first; resolves with its stdout. */
  ffmpeg(args: readonly string[], request: RunRequest = {}): Promise<string> {
    return this.run('ffmpeg', args, request);
  }

  /** ffprobe with `PROBE_COMMON_ARGS` first; resolves with its stdout. */
  ffprobe(args: readonly string[], request: RunRequest = {}): Promise<string> {
    return this.run('ffprobe', args, request);
  }

  /** The error a run cut short before it started (an abort while waiting for a slot) is reported as. */
  cancelled(program: MediaProgram = 'ffmpeg', cause?: unknown): FfmpegError {
    return new FfmpegError({ program, binary: this.binaryOf(program), args: [], stderrTail: '', canceled: true }, { cause });
  }

  /** An `FfmpegError` for a run that exited 0 without doing its job. */
  failed(program: MediaProgram, args: readonly string[], why: string): FfmpegError {
    return new FfmpegError({ program, binary: this.binaryOf(program), args: [...(program === 'ffmpeg' ? COMMON_ARGS : PROBE_COMMON_ARGS), ...args], stderrTail: why });
  }

  private binaryOf(program: MediaProgram): string {
    return program === 'ffmpeg' ? this.binaries.ffmpeg : this.binaries.ffprobe;
  }

  private async run(program: MediaProgram, args: readonly string[], request: RunRequest): Promise<string> {
    const binary = this.binaryOf(program);
    const fullArgs = [...(program === 'ffmpeg' ? COMMON_ARGS : PROBE_COMMON_ARGS), ...args];
    if (request.signal?.aborted) throw this.cancelled(program, request.signal.reason);
    const child = execa(binary, fullArgs, {
      stdin: 'ignore',
      env: request.env,
      cancelSignal: request.signal,
      forceKillAfterDelay: KILL_GRACE_MS,
      maxBuffer: MAX_STDOUT_BYTES,
      stripFinalNewline: false,
    });
    this.live.add(child);
    try {
      const result = await child;
      return result.stdout;
    } catch (error) {
      if (error instanceof ExecaError) {
        const stderr = typeof error.stderr === 'string' ? error.stderr : '';
        throw new FfmpegError(
          {
            program,
            binary,
            args: fullArgs,
            stderrTail: stderr.slice(-STDERR_TAIL_CHARS),
            exitCode: error.exitCode,
            signal: error.signal,
            canceled: error.isCanceled,
            reason: error.exitCode === undefined ? error.originalMessage : undefined,
          },
          { cause: error },
        );
      }
      throw error;
    } finally {
      this.live.delete(child);
    }
  }
}
