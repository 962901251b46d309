/**
 * What one ffmpeg binary can do, found by asking it once (`-version`,
 * `-encoders`, `-filters`), so that a feature asks the table instead of
 * guessing from a version number: builds of one release differ in what they
 * were configured with (libass, libx264, libzimg), and git builds have no
 * release number at all.
 *
 * The release is read from libavcodec's version, which every build prints
 * (a git build such as the bundled `N-47683-g0e8eb07980-static` says nothing
 * else about its age).
 */
import { execaSync } from 'execa';
import { SlotflowError } from '../../core/errors.ts';

/** A probe that takes longer than this means the binary is not a working ffmpeg. */
const PROBE_TIMEOUT_MS = 10_000;

/** libavcodec minor versions at each release, newest first: how a build's release is named. */
const RELEASES: ReadonlyArray<{ release: string; major: number; minor: number }> = [
  { release: '7.1', major: 61, minor: 19 }, { release: '7.0', major: 61, minor: 3 },
  { release: '6.1', major: 60, minor: 31 }, { release: '6.0', major: 60, minor: 3 },
  { release: '5.1', major: 59, minor: 37 }, { release: '5.0', major: 59, minor: 18 },
  { release: '4.4', major: 58, minor: 134 }, { release: '4.3', major: 58, minor: 91 },
  { release: '4.2', major: 58, minor: 54 }, { release: '4.1', major: 58, minor: 35 },
  { release: '4.0', major: 58, minor: 18 },
];

/** Filters and encoders slotflow's graphs use, reported by `slotflow config`. */
export const WATCHED_FILTERS = ['ass', 'subtitles', 'drawtext', 'zoompan', 'sidechaincompress', 'xfade', 'loudnorm', 'ebur128', 'zscale'] as const;
export const WATCHED_ENCODERS = ['libx264', 'aac'] as const;

export interface Capabilities {
  /** False when the binary did not answer the probes: then nothing is assumed missing either. */
  known: boolean;
  /** As the binary prints it: `5.1.9-0+deb12u1`, `N-47683-g0e8eb07980-static`. */
  version: string;
  /** libavcodec's version as [major, minor, micro]: what builds are compared by. */
  libavcodec: [number, number, number];
  /** The newest release whose libavcodec this build has reached, e.g. `4.1`; `unknown` before 4.0. */
  release: string;
  encoders: ReadonlySet<string>;
  filters: ReadonlySet<string>;
}

/** A filter or encoder that a feature needs is missing from the chosen build. */
export class MissingCapabilityError extends SlotflowError {
  override name = 'MissingCapabilityError';
  constructor(
    readonly feature: string,
    readonly missing: string,
    readonly binary: string,
    readonly version: string,
  ) {
    super(`${feature} needs ffmpeg's ${missing}, which the ffmpeg at ${binary} (${version}) does not have; set FFMPEG_PATH to a build that has it`, {
      code: 'ffmpeg-capability-missing',
    });
  }
}

/** Runs the three probes; a binary that does not run is reported as an error with its path. */
export function probeCapabilities(binary: string): Capabilities {
  const ask = (flag: string): string => {
    const result = execaSync(binary, ['-hide_banner', flag], { reject: false, timeout: PROBE_TIMEOUT_MS, stdin: 'ignore' });
    if (result.failed) {
      throw new SlotflowError(`the ffmpeg at ${binary} does not run (${flag}): ${result.shortMessage}`, { code: 'ffmpeg-unavailable' });
    }
    return result.stdout;
  };
  return parseCapabilities(ask('-version'), ask('-encoders'), ask('-filters'));
}

/** The table from the three listings' text (pure, so each build's quirks can be tested on its output). */
export function parseCapabilities(versionText: string, encodersText: string, filtersText: string): Capabilities {
  const version = /^ffmpeg version (\S+)/m.exec(versionText)?.[1] ?? 'unknown';
  const lavc = /^libavcodec\s+(\d+)\.\s*(\d+)\.\s*(\d+)/m.exec(versionText);
  const libavcodec: [number, number, number] = lavc ? [Number(lavc[1]), Number(lavc[2]), Number(lavc[3])] : [0, 0, 0];
  return { known: true, version, libavcodec, release: releaseOf(libavcodec), encoders: listed(encodersText, /^\s[VAS][.A-Z]{5}\s+(\S+)/), filters: listed(filtersText, /^\s[.A-Z|]{3}\s+(\S+)\s+\S*->/) };
}

function listed(text: string, line: RegExp): Set<string> {
  const names = new Set<string>();
  for (const l of text.split('\n')) {
    const name = line.exec(l)?.[1];
    if (name && name !== '=') names.add(name);
  }
  return names;
}

function releaseOf([major, minor]: [number, number, number]): string {
  return RELEASES.find((r) => major > r.major || (major === r.major && minor >= r.minor))?.release ?? 'unknown';
}

/** Orders builds by libavcodec: positive when `a` is newer. */
export function compareBuilds(a: Capabilities, b: Capabilities): number {
  for (let i = 0; i < 3; i++) if (a.libavcodec[i] !== b.libavcodec[i]) return a.libavcodec[i]! - b.libavcodec[i]!;
  return 0;
}

/** What slotflow needs of a build to prefer it: H.264 (libx264), AAC and burned-in captions (libass). */
export function isComplete(c: Capabilities): boolean {
  return c.encoders.has('libx264') && c.encoders.has('aac') && c.filters.has('ass') && c.filters.has('subtitles');
}
