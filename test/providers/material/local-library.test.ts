import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { LibraryManifestError, LocalLibraryProvider } from '../../../src/providers/material/local-library.ts';
import type { MaterialQuery } from '../../../src/providers/types.ts';

const SAMPLE = resolve('examples/media');
const FFPROBE = 'node_modules/@ffprobe-installer/linux-x64/ffprobe';

const query = (keywords: string[], overrides: Partial<MaterialQuery> = {}): MaterialQuery =>
  ({ keywords, orientation: 'landscape', limit: 10, ...overrides });

const names = (candidates: { path: string }[]) => candidates.map((c) => basename(c.path));

describe('LocalLibraryProvider on examples/media', () => {
  const library = new LocalLibraryProvider({ dir: SAMPLE });
  const strict = new LocalLibraryProvider({ dir: SAMPLE, fill: false });

  it('is available when the folder has a manifest', async () => {
    expect(library.name).to.equal('library');
    expect(await library.available()).to.equal(true);
  });

  it('ranks the item whose tags match best first, with an absolute path and its dimensions', async () => {
    const result = await library.search(query(['ocean', 'waves']), '/unused');
    expect(names(result)[0]).to.equal('ocean.jpg');
    const [best] = result;
    expect(isAbsolute(best!.path)).to.equal(true);
    expect((await stat(best!.path)).isFile()).to.equal(true);
    expect(best).to.include({ kind: 'image', provider: 'library', width: 640, height: 360 });
    expect(result.warnings).to.deep.equal([]);
  });

  it('orders by score, best first', async () => {
    const result = await strict.search(query(['technology', 'data', 'network']), '/unused');
    const scores = result.map((c) => c.score);
    expect(scores).to.deep.equal([...scores].sort((a, b) => b - a));
    expect(names(result)[0]).to.equal('dashboard.mp4');
    expect(result[0]).to.include({ kind: 'video', durationSec: 2 });
  });

  it('matches plurals and case: "Cities" finds the city', async () => {
    expect(names(await strict.search(query(['Cities']), '/unused'))).to.deep.equal(['city.jpg']);
  });

  it('prefers the requested orientation without excluding the other', async () => {
    const portrait = names(await strict.search(query(['technology'], { orientation: 'portrait' }), '/unused'));
    const landscape = names(await strict.search(query(['technology'], { orientation: 'landscape' }), '/unused'));
    expect(portrait).to.deep.equal(['data.jpg', 'dashboard.mp4']);
    expect(landscape).to.deep.equal(['dashboard.mp4', 'data.jpg']);
  });

  it('finds Chinese keywords, also inside a longer phrase or as part of a tag', async () => {
    expect(names(await strict.search(query(['自然']), '/unused'))).to.deep.equal(['nature.jpg']);
    expect(names(await strict.search(query(['人工智能技术']), '/unused'))).to.deep.equal(['dashboard.mp4']);
    expect(names(await strict.search(query(['海']), '/unused'))).to.deep.equal(['ocean.jpg']);
    expect(names(await strict.search(query(['科技'], { orientation: 'portrait' }), '/unused'))).to.deep.equal(['data.jpg', 'dashboard.mp4']);
  });

  it('fills up with unmatched items at score 0 unless told not to', async () => {
    const filled = await library.search(query(['volcano'], { orientation: 'portrait', limit: 3 }), '/unused');
    expect(filled).to.have.length(3);
    expect(filled.every((c) => c.score === 0)).to.equal(true);
    expect(names(filled).slice(0, 2)).to.have.members(['nature.jpg', 'data.jpg']);
    expect(await strict.search(query(['volcano']), '/unused')).to.deep.equal([]);
  });

  it('puts matches before fillers and honours the limit', async () => {
    const result = await library.search(query(['ocean'], { limit: 2 }), '/unused');
    expect(names(result)[0]).to.equal('ocean.jpg');
    expect(result).to.have.length(2);
    expect(result[0]!.score).to.be.greaterThan(0);
  });

  it('ships sample media that match their manifest and stay small', async () => {
    const manifest = JSON.parse(await readFile(join(SAMPLE, 'manifest.json'), 'utf8')) as {
      items: { file: string; kind: string; width: number; height: number; duration?: number }[];
    };
    for (const item of manifest.items) {
      const { stdout } = await promisify(execFile)(FFPROBE, [
        '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height:format=duration', '-of', 'json', join(SAMPLE, item.file),
      ]);
      const probe = JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number }[]; format: { duration?: string } };
      expect(probe.streams[0], item.file).to.include({ width: item.width, height: item.height });
      expect(probe.streams[0]!.codec_name, item.file).to.equal(item.kind === 'video' ? 'h264' : 'mjpeg');
      if (item.duration !== undefined) expect(Number(probe.format.duration), item.file).to.be.closeTo(item.duration, 0.05);
    }
    let total = 0;
    for (const file of await readdir(SAMPLE)) total += (await stat(join(SAMPLE, file))).size;
    expect(total).to.be.below(300 * 1024);
  });
});

describe('LocalLibraryProvider with a broken library', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slotflow-library-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const writeManifest = (value: unknown) => writeFile(join(dir, 'manifest.json'), typeof value === 'string' ? value : JSON.stringify(value));

  it('skips a listed file that is missing, with a warning in the result', async () => {
    await cp(SAMPLE, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { items: unknown[] };
    manifest.items.unshift({ file: 'gone.jpg', kind: 'image', tags: ['ocean'] });
    await writeManifest(manifest);
    const result = await new LocalLibraryProvider({ dir }).search(query(['ocean']), '/unused');
    expect(names(result)).not.to.include('gone.jpg');
    expect(names(result)[0]).to.equal('ocean.jpg');
    expect(result.warnings).to.have.length(1);
    expect(result.warnings[0]).to.contain('gone.jpg').and.to.contain('not found');
  });

  it('reports every problem of an invalid manifest with its JSON pointer', async () => {
    await writeManifest({ items: [{ file: 'a.jpg', kind: 'picture', tags: 'sea' }, { kind: 'video', tags: [], width: -1 }, { file: '../etc/passwd', kind: 'image', tags: [] }] });
    const error = await new LocalLibraryProvider({ dir }).search(query(['sea']), '/unused').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LibraryManifestError);
    const { problems, message } = error as LibraryManifestError;
    expect(problems).to.have.length(5);
    expect(problems.join('\n')).to.contain('/items/0/kind').and.to.contain('/items/0/tags')
      .and.to.contain('/items/1/file').and.to.contain('/items/1/width').and.to.contain('/items/2/file');
    expect(message).to.contain(join(dir, 'manifest.json')).and.to.contain('"picture"');
  });

  it('reports a manifest that is not JSON, or has no items array', async () => {
    await writeManifest('{ "items": [');
    const notJson = await new LocalLibraryProvider({ dir }).search(query(['sea']), '/unused').catch((e: unknown) => e);
    expect(notJson).to.be.instanceOf(LibraryManifestError);
    expect((notJson as Error).message).to.contain('not valid JSON');
    await writeManifest({ files: [] });
    const noItems = (await new LocalLibraryProvider({ dir }).search(query(['sea']), '/unused').catch((e: unknown) => e)) as LibraryManifestError;
    expect(noItems.problems).to.deep.equal(['/items: must be an array']);
  });

  it('is unavailable without a manifest, and says so when searched', async () => {
    const library = new LocalLibraryProvider({ dir });
    expect(await library.available()).to.equal(false);
    const error = await library.search(query(['sea']), '/unused').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LibraryManifestError);
    expect((error as Error).message).to.contain('file not found');
  });
});
