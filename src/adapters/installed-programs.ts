import { createHash } from 'node:crypto';
import { accessSync, constants, readdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Installed programs: where one is, and what its probe found, remembered
 * between processes. The probe of an installed program (ffmpeg's encoders,
 * Festival's voices) costs a run of the program, up to 0.3 s, while its
 * answer changes only when files on disk do. Each answer is kept with the
 * stamps (identity, size, modification time) of the files and folders it
 * depends on, in a small file in the system's temporary folder, and given
 * back only while every stamp is unchanged. A file that cannot be read or
 * written only means probing again.
 */

/** The first executable file called `name` in the folders of `searchPath` (a PATH value); a name with a slash is its own path. */
export function findOnPath(name: string, searchPath: string = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * A file's or folder's stamp: its real path, inode, size and modification time, and for a folder the names in it
 * (a modification time can miss an entry added within the same clock tick); undefined when it is gone.
 */
export function fileStamp(file: string): string | undefined {
  try {
    const real = realpathSync(file);
    const s = statSync(real);
    const own = `${real}@${s.ino}@${s.size}@${s.mtimeMs}`;
    if (!s.isDirectory()) return own;
    const names = readdirSync(real).sort().join('\0');
    return `${own}@${createHash('sha256').update(names).digest('hex').slice(0, 16)}`;
  } catch {
    return undefined;
  }
}

/** The stamp of a file that is not there: an answer that depends on its absence holds until it appears. */
const ABSENT = 'absent';

/**
 * The stamps of a folder and of each folder directly inside it: what changes when an entry is added to one of them.
 * A folder that is not there is stamped as absent.
 */
export function folderStamps(dir: string): Record<string, string> {
  const stamps: Record<string, string> = {};
  const own = fileStamp(dir);
  stamps[dir] = own ?? ABSENT;
  if (own === undefined) return stamps;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const inner = path.join(dir, entry.name);
      const stamp = fileStamp(inner);
      if (stamp !== undefined) stamps[inner] = stamp;
    }
  } catch {
    // A folder that vanished between the stat and the listing keeps only its own stamp, which no longer matches.
  }
  return stamps;
}

interface Remembered {
  stamps: Record<string, string>;
  value: unknown;
}

/** The probe answers of one kind (`name`), by key, in `slotflow-probes-NAME.json` in the temporary folder (or `dir`). */
export class ProbeCache<T> {
  readonly file: string;

  constructor(name: string, dir: string = os.tmpdir()) {
    this.file = path.join(dir, `slotflow-probes-${name}.json`);
  }

  /** The answer remembered under `key`, if every file it depends on still has the stamp it had. */
  recall(key: string): T | undefined {
    const entry = this.readAll()[key];
    if (!entry || typeof entry.stamps !== 'object' || entry.stamps === null) return undefined;
    for (const [file, stamp] of Object.entries(entry.stamps)) {
      if ((fileStamp(file) ?? ABSENT) !== stamp) return undefined;
    }
    return entry.value as T;
  }

  /** Remembers `value` under `key` with the stamps of the files it depends on (`fileStamp`, `folderStamps`). */
  remember(key: string, value: T, stamps: Record<string, string>): void {
    try {
      const all = { ...this.readAll(), [key]: { stamps, value } };
      // Written aside and renamed, so a reader never sees half a file.
      const aside = `${this.file}.${process.pid}`;
      writeFileSync(aside, JSON.stringify(all));
      renameSync(aside, this.file);
    } catch {
      // A temporary folder that cannot be written only costs a probe next time.
    }
  }

  private readAll(): Record<string, Remembered> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, Remembered>) : {};
    } catch {
      return {};
    }
  }
}

/** A probe's answer, and the stamps of the files other than the program that it depends on. */
export interface ProbeAnswer<T> {
  value: T;
  dependsOn?: Record<string, string>;
}

/**
 * The answer of `probe` for the program `command` names (found on PATH), remembered in `cache` under the
 * program's stamp: the program runs only when it, or a file the answer depends on, has changed since. An
 * undefined answer (the program missing or failing) is not remembered.
 */
export async function probeOnce<T>(cache: ProbeCache<T>, command: string, probe: () => Promise<ProbeAnswer<T> | undefined>): Promise<T | undefined> {
  const program = findOnPath(command);
  const stamp = program === undefined ? undefined : fileStamp(program);
  const remembered = stamp === undefined ? undefined : cache.recall(stamp);
  if (remembered !== undefined) return remembered;
  const found = await probe();
  if (found === undefined) return undefined;
  if (program !== undefined && stamp !== undefined) cache.remember(stamp, found.value, { ...found.dependsOn, [program]: stamp });
  return found.value;
}
