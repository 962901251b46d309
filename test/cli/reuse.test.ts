import { expect } from 'chai';
import { execa } from 'execa';
import { useFullServer } from '../support/server.ts';

/**
 * Near-duplicate reuse from the command line, against the real MariaDB,
 * Redis, scheduler and worker: `task submit` answers a reworded request with
 * the earlier task's video at once, and `--no-reuse` runs it fresh.
 */
describe('task submit and near-duplicate reuse (MariaDB + Redis)', function () {
  this.timeout(240000);
  const server = useFullServer({ SLOTFLOW_LLM_BASE_URL: '' });

  const slotflow = async (...args: string[]) => {
    const r = await execa('node', ['bin/slotflow.js', ...args], { env: server().env.env, reject: false });
    expect(r.exitCode, `slotflow ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout) as { id: string; status: string; reused_from?: string | null; video?: string | null; phase?: string };
  };

  it('answers a reworded prompt with the earlier video, and runs it fresh with --no-reuse', async () => {
    const first = await slotflow('task', 'submit', '--prompt', 'Create a 6-second ad for a flower shop', '--no-music', '--wait', '--json');
    expect((await slotflow('task', 'show', first.id, '--json')).phase).to.equal('completed');
    const again = await slotflow('task', 'submit', '--prompt', 'For a flower shop, create an ad: 6 seconds', '--no-music', '--json');
    expect(again.status).to.equal('completed');
    const shown = await slotflow('task', 'show', again.id, '--json');
    expect(shown.reused_from).to.equal(first.id);
    expect(shown.video).to.be.a('string');
    // Run to its end, not cancelled: a component running at a cancel would finish its ffmpeg after the test.
    const fresh = await slotflow('task', 'submit', '--prompt', 'For a flower shop, create an ad: 6 seconds', '--no-music', '--no-reuse', '--wait', '--json');
    expect(fresh.id).to.not.equal(first.id);
    const ran = await slotflow('task', 'show', fresh.id, '--json');
    expect(ran).to.include({ phase: 'completed', reused_from: null });
  });
});
