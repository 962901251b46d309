import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { compareBuilds, parseCapabilities, probeCapabilities } from '../../../src/adapters/ffmpeg/capabilities.ts';
import { EncodeSlots, FfmpegRunner, locateFfmpeg, renderTitleCard } from '../../../src/adapters/ffmpeg/index.ts';

/**
 * The capability table is read from the binaries themselves: the packaged
 * 2018 build (a git build after 4.1, without xfade) and, where Debian's
 * ffmpeg is installed (CI installs it), the system's 5.x.
 */

const require = createRequire(import.meta.url);
const PACKAGED = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const SYSTEM = '/usr/bin/ffmpeg';

describe('ffmpeg capabilities', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-caps-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the packaged build as release 4.1 with libx264, AAC and libass but no xfade', () => {
    const caps = probeCapabilities(PACKAGED);
    expect(caps).to.include({ known: true, release: '4.1' });
    expect(caps.version).to.match(/^N-\d+/);
    expect(caps.libavcodec[0]).to.equal(58);
    for (const e of ['libx264', 'aac']) expect(caps.encoders.has(e), e).to.equal(true);
    for (const f of ['ass', 'subtitles', 'sidechaincompress', 'zoompan', 'loudnorm']) expect(caps.filters.has(f), f).to.equal(true);
    expect(caps.filters.has('xfade')).to.equal(false);
  });

  it('reads the system build as newer than the packaged one, with xfade', function () {
    if (!existsSync(SYSTEM)) this.skip(); // Debian's ffmpeg is not installed here (.ci/run installs it)
    const system = probeCapabilities(SYSTEM);
    expect(Number(system.release.split('.')[0])).to.be.at.least(5);
    expect(system.filters.has('xfade')).to.equal(true);
    expect(compareBuilds(system, probeCapabilities(PACKAGED))).to.be.above(0);
  });

  it('parses the listings of a build line by line, legend and headers left out', () => {
    const caps = parseCapabilities(
      'ffmpeg version 6.1.1 Copyright (c) 2000-2023\nlibavutil      58. 29.100 / 58. 29.100\nlibavcodec     60. 31.102 / 60. 31.102\n',
      'Encoders:\n V..... = Video\n ------\n V....D libx264              libx264 H.264\n A....D aac                  AAC (Advanced Audio Coding)\n',
      'Filters:\n  T.. = Timeline support\n  | = Source or sink filter\n TSC xfade             VV->V      Cross fade\n ... anullsrc          |->A       Null audio source\n',
    );
    expect(caps).to.include({ version: '6.1.1', release: '6.1' });
    expect(caps.libavcodec).to.deep.equal([60, 31, 102]);
    expect([...caps.encoders]).to.deep.equal(['libx264', 'aac']);
    expect([...caps.filters]).to.deep.equal(['xfade', 'anullsrc']);
  });

  describe('choosing a build', () => {
    it('takes a system ffmpeg on the search path when it is newer and complete, with the ffprobe beside it', async function () {
      if (!existsSync(SYSTEM)) this.skip(); // Debian's ffmpeg is not installed here (.ci/run installs it)
      const bin = path.join(dir, 'system-bin');
      await (await import('node:fs/promises')).mkdir(bin);
      await symlink(SYSTEM, path.join(bin, 'ffmpeg'));
      await symlink('/usr/bin/ffprobe', path.join(bin, 'ffprobe'));
      const found = locateFfmpeg({ searchPath: `/nonexistent${path.delimiter}${bin}` });
      expect(found).to.include({ ffmpeg: path.join(bin, 'ffmpeg'), ffprobe: path.join(bin, 'ffprobe'), source: 'system', ffprobeSource: 'system' });
    });

    it('keeps the packaged build when the system one is older', async () => {
      const bin = path.join(dir, 'old-bin');
      await (await import('node:fs/promises')).mkdir(bin);
      // An ffmpeg 3.4 as it answers the three probes: complete, but older than the packaged build.
      const script = [
        '#!/bin/sh',
        'case "$2" in',
        '  -version) printf "ffmpeg version 3.4.8\\nlibavcodec     57.107.100 / 57.107.100\\n" ;;',
        '  -encoders) printf " V..... libx264  H.264\\n A..... aac  AAC\\n" ;;',
        '  -filters) printf " ... ass  V->V  ASS\\n ... subtitles  V->V  subs\\n" ;;',
        'esac',
      ].join('\n');
      await writeFile(path.join(bin, 'ffmpeg'), script);
      await chmod(path.join(bin, 'ffmpeg'), 0o755);
      const found = locateFfmpeg({ searchPath: bin });
      expect(found.source).to.not.equal('system');
      expect(found.ffmpeg).to.equal(PACKAGED);
      expect(found.capabilities.release).to.equal('4.1');
    });

    it('lets FFMPEG_PATH win over any other build', () => {
      const found = locateFfmpeg({ ffmpegPath: PACKAGED, searchPath: '/usr/bin' });
      expect(found).to.include({ ffmpeg: PACKAGED, source: 'given' });
    });

    it('considers no system build without a search path', () => {
      expect(locateFfmpeg({}).ffmpeg).to.equal(PACKAGED);
    });
  });

  it('refuses a title card on a build without libass, naming the filter and the build, before running anything', async () => {
    const real = locateFfmpeg({ ffmpegPath: PACKAGED });
    const runner = new FfmpegRunner({ ...real, capabilities: { ...real.capabilities, filters: new Set(['drawtext']) } });
    const error = await renderTitleCard({ runner, slots: new EncodeSlots(1) }, {
      width: 64, height: 64, title: 'x', durationSec: 1, out: path.join(dir, 'never.mp4'),
    }).catch((e: unknown) => e);
    expect(error).to.include({ code: 'ffmpeg-capability-missing', missing: 'ass filter' });
    expect((error as Error).message).to.include(PACKAGED).and.to.include(real.capabilities.version);
    expect(runner.running).to.equal(0);
    expect(existsSync(path.join(dir, 'never.mp4'))).to.equal(false);
  });
});
