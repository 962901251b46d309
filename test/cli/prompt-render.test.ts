import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { FfmpegRunner, probe } from '../../src/adapters/ffmpeg/index.ts';
import { TITLE_CARD_SEC } from '../../src/pipeline/handlers/title-card.ts';
import { REPO } from '../support/cli.ts';

/**
 * `slotflow render --prompt`: no article, no services, no model (the LLM
 * settings are removed from the environment), the template planner writes
 * the script and the rest is the script flow's, for real.
 */

const AD = 'Create a 30-sec ad for a coffee brand';
const TOLERANCE = 0.1;

interface Summary {
  output: string;
  flow: string;
  duration_sec: number;
  planner: { name: string; label: string; model: string | null; tone: string; fit: { target_sec: number } } | null;
}

describe('render --prompt', function () {
  this.timeout(240000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-prompt-'));
    env = { ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') };
    for (const name of ['SLOTFLOW_LLM_BASE_URL', 'SLOTFLOW_LLM_API_KEY', 'SLOTFLOW_LLM_MODEL']) delete env[name];
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const slotflow = (args: string[]) => execa('node', ['bin/slotflow.js', ...args], { cwd: REPO, env, reject: false });

  it('writes a video of about 30 s of narration for a 30-sec ad, and names the template planner', async () => {
    const out = path.join(dir, 'ad.mp4');
    const cli = await slotflow(['render', '--prompt', AD, '--tone', 'upbeat', '-o', out, '--size', '320x180', '--no-music', '--json']);
    expect(cli.exitCode, cli.stderr).to.equal(0);
    const summary = JSON.parse(cli.stdout) as Summary;
    expect(summary.flow).to.equal('prompt-video');
    expect(summary.planner).to.include({ name: 'template', label: 'template planner', model: null, tone: 'upbeat' });
    expect(summary.planner!.fit.target_sec).to.equal(30);
    const info = await probe(new FfmpegRunner(), out);
    expect(info.video).to.include({ codec: 'h264', width: 320, height: 180 });
    const narration = info.durationSec - TITLE_CARD_SEC;
    expect(narration).to.be.within(30 * (1 - TOLERANCE), 30 * (1 + TOLERANCE));
  });

  it('refuses a prompt and an article together, and a prompt for a flow without a planner, with exit 2 before any work', async () => {
    const both = await slotflow(['render', 'examples/sample-article.md', '--prompt', AD, '-o', path.join(dir, 'never.mp4')]);
    expect(both.exitCode).to.equal(2);
    expect(both.stderr).to.match(/not both/);
    const neither = await slotflow(['render', '-o', path.join(dir, 'never.mp4')]);
    expect(neither.exitCode).to.equal(2);
    expect(neither.stderr).to.match(/--prompt/);
    const wrongFlow = await slotflow(['render', '--prompt', AD, '--flow', 'article-video', '-o', path.join(dir, 'never.mp4'), '--json']);
    expect(wrongFlow.exitCode).to.equal(2);
    expect(wrongFlow.stdout + wrongFlow.stderr).to.match(/prompt-not-supported/);
  });
});
