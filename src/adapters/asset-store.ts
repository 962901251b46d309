import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The content-addressed asset store under `SLOTFLOW_DATA_DIR`: every file a
 * component makes lands at `assets/<2 hex>/<sha256>.<ext>`, so the same
 * content is stored once whoever made it, and a path in an output names its
 * content for good. Scratch files live in `tmp/` until `put` moves them in.
 *
 * The result cache beside it maps a component's inputs (hashed) to its
 * output, so a repeated article or a resumed task reuses what was done.
 */

/** A stored file's name: its content hash and extension. */
export const ASSET_NAME = /^[0-9a-f]{64}\.[a-z0-9]{1,5}$/;

export interface StoredAsset {
  hash: string;
  path: string;
  bytes: number;
}

export class AssetStore {
  readonly root: string;
  readonly assetsDir: string;
  readonly tmpDir: string;
  readonly cacheDir: string;

  constructor(dataDir: string) {
    this.root = path.resolve(dataDir);
    this.assetsDir = path.join(this.root, 'assets');
    this.tmpDir = path.join(this.root, 'tmp');
    this.cacheDir = path.join(this.root, 'cache');
  }

  /** A fresh path for a file being made; `put` it when done. */
  async scratch(ext: string): Promise<string> {
    await mkdir(this.tmpDir, { recursive: true });
    return path.join(this.tmpDir, `${randomUUID()}${ext.startsWith('.') ? ext : `.${ext}`}`);
  }

  /** Moves a finished file into the store by its content hash; a copy already there wins and the file is dropped. */
  async put(file: string): Promise<StoredAsset> {
    const hash = await hashFile(file);
    const ext = path.extname(file).toLowerCase();
    const dir = path.join(this.assetsDir, hash.slice(0, 2));
    const target = path.join(dir, `${hash}${ext}`);
    const { size } = await stat(file);
    await mkdir(dir, { recursive: true });
    if (existsSync(target)) await rm(file, { force: true });
    else await rename(file, target);
    return { hash, path: target, bytes: size };
  }

  /** Stores bytes (an upload) as `put` stores a file. */
  async putBytes(data: Uint8Array, ext: string): Promise<StoredAsset> {
    const file = await this.scratch(ext);
    await writeFile(file, data);
    return this.put(file);
  }

  /** The stored file an asset name (`<sha256>.<ext>`, as `asset:NAME` names an upload) stands for; undefined when there is none. */
  pathOf(name: string): string | undefined {
    if (!ASSET_NAME.test(name)) return undefined;
    const file = path.join(this.assetsDir, name.slice(0, 2), name);
    return existsSync(file) ? file : undefined;
  }

  contains(file: string): boolean {
    const resolved = path.resolve(file);
    return resolved.startsWith(this.assetsDir + path.sep);
  }

  /** Every asset path inside a value (an output), so a cached output can be checked before it is reused. */
  assetPathsIn(value: unknown, found: string[] = []): string[] {
    if (typeof value === 'string') {
      if (this.contains(value)) found.push(value);
    } else if (Array.isArray(value)) {
      for (const v of value) this.assetPathsIn(v, found);
    } else if (value !== null && typeof value === 'object') {
      for (const v of Object.values(value)) this.assetPathsIn(v, found);
    }
    return found;
  }

  private cacheFile(key: string): string {
    return path.join(this.cacheDir, key.slice(0, 2), `${key}.json`);
  }

  /** The cached output for `key`, if every asset it names is still there. */
  async cached(key: string): Promise<unknown | undefined> {
    return (await this.cachedEntry(key))?.output;
  }

  /** A cached output with the assets its run recorded, so a hit can list them in its own task's ledger. */
  async cachedEntry<A = unknown>(key: string): Promise<{ output: unknown; assets: A[] } | undefined> {
    let text: string;
    try {
      text = await readFile(this.cacheFile(key), 'utf8');
    } catch {
      return undefined;
    }
    const entry = JSON.parse(text) as { output: unknown; assets?: A[] };
    if (!this.assetPathsIn(entry.output).every((p) => existsSync(p))) return undefined;
    return { output: entry.output, assets: entry.assets ?? [] };
  }

  async remember(key: string, output: unknown, assets: readonly unknown[] = []): Promise<void> {
    const file = this.cacheFile(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(assets.length > 0 ? { output, assets } : { output }));
    await rename(tmp, file);
  }
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
