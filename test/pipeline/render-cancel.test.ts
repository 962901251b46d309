/**
 * A render that is cut short leaves no ffmpeg behind: a SceneRender that
 * times out has its ffmpeg killed and its encode slot freed, and a
 * `slotflow render` that gets SIGINT exits with no child left. Real
 * processes, the real bundled ffmpeg, full-size frames so that an encode
 * lasts well beyond the timeouts used here.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { EncodeSlots, FfmpegRunner } from '../../src/adapters/ffmpeg/index.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import type { PipelineDeps } from '../../src/pipeline/deps.ts';
import { providersFromSettings } from '../../src/pipeline/providers.ts';
import { RenderFailedError, renderJob } from '../../src/pipeline/render-job.ts';
import { compileSettings } from '../../src/settings.ts';

const SCENE_TIMEOUT_MS = 1500;
const KILL_WITHIN_MS = 1000;
const POLL_MS = 20;

/** A scene long enough (about 15 s of speech) that its 1920×1080 encode takes many seconds. */
const LONG_SCRIPT = {
  title: 'A long scene',
  scenes: [{
    text: 'The ocean covers most of our planet and holds most of its water. It makes half of the oxygen we breathe, '
      + 'and it moves heat from the equator to the poles. Its deepest trench is deeper than the highest mountain is tall.',
  }],
};

interface Proc {
  pid: number;
  comm: string;
  ppid: number;
  pgrp: number;
  state: string;
}

/** Every process on the machine, from `/proc/<pid>/stat` (the name may hold spaces and parentheses, hence the last `)`). */
async function processes(): Promise<Proc[]> {
  const { readdir } = await import('node:fs/promises');
  const out: Proc[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    const close = stat.lastIndexOf(')');
    const [state, ppid, pgrp] = stat.slice(close + 2).split(' ');
    out.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close), state: state!, ppid: Number(ppid), pgrp: Number(pgrp) });
  }
  return out;
}

function descendantsOf(root: number, all: Proc[]): Proc[] {
  const byPid = new Map(all.map((p) => [p.pid, p]));
  return all.filter((p) => {
    for (let q = byPid.get(p.ppid); q; q = byPid.get(q.ppid)) if (q.pid === root) return true;
    return p.ppid === root;
  });
}

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
}

/** Watches this process's ffmpeg children whose command line matches, and when each was first and last seen. */
function watchFfmpeg(match: RegExp): { stop: () => Promise<Map<number, { first: number; last: number }>> } {
  const seen = new Map<number, { first: number; last: number }>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = Date.now();
      for (const p of descendantsOf(process.pid, await processes())) {
        if (p.comm !== 'ffmpeg' || p.state === 'Z') continue;
        const known = seen.get(p.pid);
        if (known) known.last = now;
        else if (match.test(await cmdline(p.pid))) seen.set(p.pid, { first: now, last: now });
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

describe('render cut short', function () {
  this.timeout(240_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-render-cancel-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('kills ffmpeg when SceneRender times out', async () => {
    // The bundled scene flow, with a short timeout and a second attempt well after the first.
    const flows = path.join(dir, 'flows');
    const scene = JSON.parse(await readFile('flows/scene.json', 'utf8')) as { modules: Array<{ components: Array<Record<string, unknown>> }> };
    Object.assign(scene.modules[0]!.components[0]!, { timeout_ms: SCENE_TIMEOUT_MS, retry: { attempts: 2, backoff_ms: 3000 } });
    delete (scene as Record<string, unknown>).$schema;
    await (await import('node:fs/promises')).mkdir(flows);
    await writeFile(path.join(flows, 'scene.json'), JSON.stringify(scene, null, 2));
    const settings = compileSettings({ ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data-timeout'), SLOTFLOW_FLOWS_DIR: flows });
    const media = { runner: new FfmpegRunner(), slots: new EncodeSlots(2) };
    const deps: PipelineDeps = { ...providersFromSettings(new AssetStore(settings.dataDir), settings), media };

    // Scene encodes, and only they, move the picture with zoompan.
    const watch = watchFfmpeg(/zoompan/);
    const error = await renderJob({ flow: loadFlow('script-video'), input: { script: LONG_SCRIPT, options: { music: false } }, settings, deps, output: path.join(dir, 'never.mp4') })
      .catch((e: unknown) => e);
    const seen = await watch.stop();

    expect(error).to.be.instanceOf(RenderFailedError);
    expect((error as Error).message).to.match(/SceneRender/);
    expect((error as Error).message).to.match(/tim(ed|e) ?out|timeout/i);
    // One ffmpeg per attempt: the second could start only because the first one's slot came back.
    expect(seen.size, 'scene encodes seen').to.equal(2);
    for (const [pid, { first, last }] of seen) {
      // The attempt started before its ffmpeg did, so its timeout fired at most SCENE_TIMEOUT_MS after `first`.
      expect(last - first, `ffmpeg ${pid} lived ${last - first} ms`).to.be.at.most(SCENE_TIMEOUT_MS + KILL_WITHIN_MS + POLL_MS * 2);
    }
    expect(media.runner.running, 'ffmpeg runs still going').to.equal(0);
    expect(media.slots.inUse, 'encode slots held').to.equal(0);
    expect(media.slots.waiting, 'calls waiting for a slot').to.equal(0);
    const asked = Date.now();
    const startedAt = await media.slots.hold(undefined, async () => Date.now());
    expect(startedAt - asked, 'a following encode waits for a slot').to.be.below(50);
  });

  it('leaves no child behind when slotflow render gets SIGINT mid-render', async () => {
    const script = path.join(dir, 'long.json');
    await writeFile(script, JSON.stringify(LONG_SCRIPT));
    // Its own process group, so that whatever it starts can be found after it is gone.
    const cli = execa('node', ['bin/slotflow.js', 'render', script, '-o', path.join(dir, 'interrupted.mp4'), '--no-music'], {
      env: { ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data-sigint') },
      detached: true,
      reject: false,
    });
    const group = cli.pid!;
    const encoding = async () => {
      for (const p of (await processes()).filter((q) => q.pgrp === group && q.comm === 'ffmpeg')) {
        if (/libx264/.test(await cmdline(p.pid))) return true;
      }
      return false;
    };
    const deadline = Date.now() + 180_000;
    while (!(await encoding())) {
      expect(Date.now(), 'an ffmpeg encode started').to.be.below(deadline);
      expect(cli.exitCode, 'slotflow render still running').to.equal(null);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const before = (await processes()).filter((p) => p.pgrp === group && p.pid !== group);
    expect(before.some((p) => p.comm === 'ffmpeg')).to.equal(true);

    const sent = Date.now();
    process.kill(group, 'SIGINT');
    const result = await cli;
    const tookMs = Date.now() - sent;

    expect(result.exitCode, `signal ${String(result.signal)}, stderr ${result.stderr}`).to.equal(1);
    expect(result.stderr).to.match(/interrupted by SIGINT/);
    expect(tookMs, 'exit after SIGINT').to.be.below(5000);
    // A zombie is already dead, only not yet reaped by whatever adopted it (here, the container's init).
    const left = (await processes()).filter((p) => p.pgrp === group && p.state !== 'Z');
    expect(left, `processes left in the group: ${JSON.stringify(left)}`).to.deep.equal([]);
  });
});
