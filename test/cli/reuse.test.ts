import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { FfmpegRunner, probe } from '../../src/adapters/ffmpeg/index.ts';
import { slotflowInProcess } from '../support/cli.ts';
import { useFullServer } from '../support/server.ts';

/**
 * Near-duplicate reuse from the command line, against the real MariaDB,
 * Redis, scheduler and worker: `task submit` answers a reworded request with
 * the earlier task's video at once, and `--no-reuse` runs it fresh.
 */

/** A small frame: reuse does not depend on the frame, and each of the two runs renders a thirty-sixth of the 1920×1080 frame. */
const LEAN = ['--size', '320x180'] as const;

describe('task submit and near-duplicate reuse (MariaDB + Redis)', function () {
  this.timeout(240000);
  const server = useFullServer({ SLOTFLOW_LLM_BASE_URL: '' });

  type Shown = { id: string; status: string; reused_from?: string | null; video?: string | null; phase?: string };
  const slotflow = async (...args: string[]) => {
    const r = await execa('node', ['bin/slotflow.js', ...args], { env: server().env.env, reject: false });
    expect(r.exitCode, `slotflow ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout) as Shown;
  };
  // `task show` only reads the database: in this process, half a second of start less each.
  const show = async (id: string) => {
    const r = await slotflowInProcess(['task', 'show', id, '--json'], server().env.env);
    expect(r.code, `slotflow task show ${id}: ${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout) as Shown;
  };

  it('answers a reworded prompt with the earlier video, and runs it fresh with --no-reuse', async () => {
    const first = await slotflow('task', 'submit', '--prompt', 'Create a 6-second ad for a flower shop', '--no-music', ...LEAN, '--wait', '--json');
    expect((await show(first.id)).phase).to.equal('completed');
    const again = await slotflow('task', 'submit', '--prompt', 'For a flower shop, create an ad: 6 seconds', '--no-music', ...LEAN, '--json');
    expect(again.status).to.equal('completed');
    const shown = await show(again.id);
    expect(shown.reused_from).to.equal(first.id);
    expect(shown.video).to.be.a('string');
    // Run to its end, not cancelled: a component running at a cancel would finish its ffmpeg after the test.
    const fresh = await slotflow('task', 'submit', '--prompt', 'For a flower shop, create an ad: 6 seconds', '--no-music', ...LEAN, '--no-reuse', '--wait', '--json');
    expect(fresh.id).to.not.equal(first.id);
    const ran = await show(fresh.id);
    expect(ran).to.include({ phase: 'completed', reused_from: null });
    // `--size` reached the render.
    const res = await fetch(`${server().base}${ran.video!}`);
    expect(res.status).to.equal(200);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-reuse-'));
    const runner = new FfmpegRunner();
    try {
      const file = path.join(dir, 'fresh.mp4');
      await writeFile(file, Buffer.from(await res.arrayBuffer()));
      expect((await probe(runner, file)).video).to.include({ width: 320, height: 180 });
    } finally {
      await runner.settled();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
