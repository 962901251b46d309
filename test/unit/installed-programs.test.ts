import { expect } from 'chai';
import { chmod, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileStamp, findOnPath, folderStamps, ProbeCache, probeOnce } from '../../src/adapters/installed-programs.ts';
import { FestivalProvider } from '../../src/providers/speech/festival.ts';
import type { FestivalVoice } from '../../src/providers/speech/voice-list.ts';
import { useTempDir } from '../speech/helpers.ts';

/**
 * Probes remembered between processes: a second process asks no program
 * what the first one was told, and asks again when the program or a file
 * the answer depends on changes. Real files, real programs (shell scripts
 * that count their runs); each test has its own cache file.
 */

describe('installed programs and their remembered probes', () => {
  const tmp = useTempDir('programs');
  let n = 0;
  /** A fresh folder for one test. */
  async function place(): Promise<string> {
    const dir = join(tmp(), `t${++n}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async function program(dir: string, name: string, body: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }

  it('finds a program on a PATH value, takes a path with a slash as it is, and skips what is not executable', async () => {
    const dir = await place();
    const made = await program(dir, 'tool', 'exit 0');
    await writeFile(join(dir, 'plain'), 'not a program');
    expect(findOnPath('tool', `/nonexistent:${dir}`)).to.equal(made);
    expect(findOnPath(made, '')).to.equal(made);
    expect(findOnPath('plain', dir)).to.equal(undefined);
    expect(findOnPath('tool', '/nonexistent')).to.equal(undefined);
  });

  it('stamps a file by identity, size and time, and a folder with the folders inside it', async () => {
    const dir = await place();
    const file = await program(dir, 'tool', 'exit 0');
    const before = fileStamp(file);
    expect(before).to.be.a('string');
    await utimes(file, new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(fileStamp(file)).to.not.equal(before);
    expect(fileStamp(join(dir, 'missing'))).to.equal(undefined);

    await mkdir(join(dir, 'voices', 'us'), { recursive: true });
    const stamps = folderStamps(join(dir, 'voices'));
    expect(Object.keys(stamps)).to.have.members([join(dir, 'voices'), join(dir, 'voices', 'us')]);
    expect(folderStamps(join(dir, 'nowhere'))).to.deep.equal({ [join(dir, 'nowhere')]: 'absent' });
  });

  it('runs a probe once for every process while the program is unchanged, and again when it changes', async () => {
    const dir = await place();
    const tool = await program(dir, 'tool', 'exit 0');
    let runs = 0;
    const probe = async () => ({ value: { version: `v${++runs}` } });
    // Each ProbeCache reads the file afresh, as the next process does.
    expect(await probeOnce(new ProbeCache<{ version: string }>('tool', dir), tool, probe)).to.deep.equal({ version: 'v1' });
    expect(await probeOnce(new ProbeCache<{ version: string }>('tool', dir), tool, probe)).to.deep.equal({ version: 'v1' });
    expect(runs).to.equal(1);

    await utimes(tool, new Date(2021, 5, 1), new Date(2021, 5, 1));
    expect(await probeOnce(new ProbeCache<{ version: string }>('tool', dir), tool, probe)).to.deep.equal({ version: 'v2' });
    expect(runs).to.equal(2);
  });

  it('probes again when a folder the answer depends on gains an entry, or a folder that was absent appears', async () => {
    const dir = await place();
    const tool = await program(dir, 'tool', 'exit 0');
    const voices = join(dir, 'voices');
    const later = join(dir, 'later');
    await mkdir(join(voices, 'us'), { recursive: true });
    let runs = 0;
    const probe = async () => ({ value: ++runs, dependsOn: { ...folderStamps(voices), ...folderStamps(later) } });
    const ask = () => probeOnce(new ProbeCache<number>('tool', dir), tool, probe);

    expect(await ask()).to.equal(1);
    expect(await ask()).to.equal(1);
    await mkdir(join(voices, 'us', 'cmu_us_new_voice'));
    expect(await ask()).to.equal(2);
    expect(await ask()).to.equal(2);
    await mkdir(later);
    expect(await ask()).to.equal(3);
    expect(await ask()).to.equal(3);
  });

  it('does not remember a failed probe, and probes again over a cache file it cannot read', async () => {
    const dir = await place();
    const tool = await program(dir, 'tool', 'exit 0');
    let runs = 0;
    const failing = async () => {
      runs++;
      return undefined;
    };
    expect(await probeOnce(new ProbeCache<number>('tool', dir), tool, failing)).to.equal(undefined);
    expect(await probeOnce(new ProbeCache<number>('tool', dir), tool, failing)).to.equal(undefined);
    expect(runs).to.equal(2);

    const cache = new ProbeCache<number>('tool', dir);
    await writeFile(cache.file, '{ not json');
    expect(await probeOnce(cache, tool, async () => ({ value: 7 }))).to.equal(7);
    expect(JSON.parse(await readFile(cache.file, 'utf8'))).to.be.an('object');
    expect(await probeOnce(new ProbeCache<number>('tool', dir), tool, async () => ({ value: 8 }))).to.equal(7);
  });

  it('asks Festival for its voices once, and again when a voice is installed in its voice folder', async () => {
    const dir = await place();
    const voices = join(dir, 'voices');
    await mkdir(join(voices, 'us', 'cmu_us_slt_arctic_hts'), { recursive: true });
    const count = join(dir, 'runs');
    // What `festival --batch FESTIVAL_VOICE_SCRIPT` prints: one line per voice, then the voice path.
    const festival = await program(dir, 'festival', [
      `echo run >> '${count}'`,
      `for v in $(ls '${voices}/us'); do printf 'voice\\t%s\\tenglish\\tamerican\\n' "$v"; done`,
      `printf 'voice-path\\t%s/\\n' '${voices}'`,
    ].join('\n'));
    const runs = async () => (await readFile(count, 'utf8')).trim().split('\n').length;
    const ask = async () => (await new FestivalProvider({ command: festival, probeCache: new ProbeCache<FestivalVoice[]>('festival', dir) }).installedVoices()).map((v) => v.name);

    expect(await ask()).to.deep.equal(['cmu_us_slt_arctic_hts']);
    expect(await ask()).to.deep.equal(['cmu_us_slt_arctic_hts']);
    expect(await runs()).to.equal(1);

    await mkdir(join(voices, 'us', 'cmu_us_bdl_arctic_hts'));
    expect(await ask()).to.have.members(['cmu_us_slt_arctic_hts', 'cmu_us_bdl_arctic_hts']);
    expect(await runs()).to.equal(2);
  });
});
