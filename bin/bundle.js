// The CLI's sources as one ES module, made with esbuild (the compiler tsx itself uses) and kept in
// node_modules/.cache/slotflow. A manifest lists every file that went in with its size and modification
// time; the bundle is used only while all of them are unchanged, and made again otherwise. Packages stay
// imports, so only the repository's own TypeScript and JSON are bundled.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = 'src/cli/main.ts';
// One directory per checkout: the bundle holds the checkout's own file URLs, and worktrees may share node_modules.
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'slotflow', createHash('sha256').update(ROOT).digest('hex').slice(0, 12));
const MANIFEST = path.join(CACHE, 'cli.json');
/** Bumped whenever the build below changes, so a bundle made by an older launcher is not used. */
const FORMAT = 2;

/** The bundle's file URL, made first if the sources changed; undefined if it cannot be made (then run through tsx). */
export async function cliBundle() {
  const current = readManifest();
  if (current && unchanged(current.inputs)) return pathToFileURL(path.join(CACHE, current.bundle)).href;
  try {
    return pathToFileURL(await build()).href;
  } catch (err) {
    if (process.env.SLOTFLOW_DEBUG_BUNDLE === '1') console.error('slotflow: no bundle:', err);
    return undefined;
  }
}

function readManifest() {
  try {
    const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
    return manifest.format === FORMAT ? manifest : undefined;
  } catch {
    return undefined;
  }
}

function unchanged(inputs) {
  for (const [file, [size, mtimeMs]] of Object.entries(inputs)) {
    let stat;
    try {
      stat = fs.statSync(path.join(ROOT, file));
    } catch {
      return false;
    }
    if (stat.size !== size || stat.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

/**
 * Each module keeps its own `import.meta.url` (the sources find their data files from it), so the plugin
 * writes the original file's URL in its place. Names are kept because errors report their class's name.
 */
async function build() {
  const { build: esbuild, stop } = await import('esbuild');
  const stamps = {};
  const keepOwnUrl = {
    name: 'slotflow-own-url',
    setup(b) {
      b.onLoad({ filter: /\.(ts|json)$/ }, async (args) => {
        const stat = await fs.promises.stat(args.path);
        stamps[path.relative(ROOT, args.path)] = [stat.size, stat.mtimeMs];
        const text = await fs.promises.readFile(args.path, 'utf8');
        if (args.path.endsWith('.json')) return { contents: text, loader: 'json' };
        return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
      });
    },
  };
  const scratch = path.join(CACHE, `build-${process.pid}`);
  // esbuild's service process would otherwise live as long as this CLI (about 60 MB beside a render's encodes).
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: { main: ENTRY },
    bundle: true,
    // Commands load their modules on demand (src/cli/main.ts): each becomes a chunk, imported only when run.
    splitting: true,
    outdir: scratch,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    keepNames: true,
    plugins: [keepOwnUrl],
    logLevel: 'silent',
  }).finally(() => stop());
  const hash = createHash('sha256');
  for (const out of result.outputFiles) hash.update(path.relative(scratch, out.path)).update(out.contents);
  const name = `cli-${hash.digest('hex').slice(0, 16)}`;
  const dir = path.join(CACHE, name);
  if (!fs.existsSync(dir)) {
    // Written under a private name and renamed, so a CLI starting at the same moment never reads half a bundle.
    for (const out of result.outputFiles) {
      fs.mkdirSync(path.dirname(out.path), { recursive: true });
      fs.writeFileSync(out.path, out.contents);
    }
    try {
      fs.renameSync(scratch, dir);
    } catch (err) {
      // Another start made the same bundle first.
      fs.rmSync(scratch, { recursive: true, force: true });
      if (!fs.existsSync(dir)) throw err;
    }
  }
  writeAtomically(MANIFEST, JSON.stringify({ format: FORMAT, bundle: `${name}/main.js`, inputs: stamps }));
  for (const old of fs.readdirSync(CACHE)) {
    if (old.startsWith('cli-') && old !== name) fs.rmSync(path.join(CACHE, old), { recursive: true, force: true });
  }
  return path.join(dir, 'main.js');
}

function writeAtomically(file, contents) {
  const scratch = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(scratch, contents);
  fs.renameSync(scratch, file);
}
