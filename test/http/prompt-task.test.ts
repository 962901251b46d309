import { expect } from 'chai';
import { eventually } from '../support/env.ts';
import { useFullServer } from '../support/server.ts';

/**
 * A prompt through the API, on the real MariaDB, Redis, scheduler and worker,
 * with no model configured: the template planner writes the scenes, the task
 * says so, and a scene's narration can be rewritten as a new take.
 */

const PROMPT = 'Create a 15-second ad for a tea shop';

interface View {
  id: string; phase: string; flow: string; title: string | null; video: string | null;
  reused_from: string | null;
  components: Array<{ executions: number }>;
  assets: Array<{ kind: string; provider: string; latency_ms: number; cost_usd: number | null }>;
  planner: { name: string; label: string; model: string | null; tone: string; fit: { target_sec: number } } | null;
  scenes: Array<{ scene: number; narration: string; take: number; takes: Array<{ take: number; chosen: boolean }> }>;
}

describe('a prompt task through the API (MariaDB + Redis)', function () {
  this.timeout(240000);
  let base = '';
  const server = useFullServer({ SLOTFLOW_LLM_BASE_URL: '' });

  before(() => ({ base } = server()));

  const post = (url: string, body: unknown) => fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const view = async (id: string) => (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as View;
  const finished = (id: string) =>
    eventually(`task ${id} to finish`, async () => {
      const t = await view(id);
      return ['completed', 'failed', 'cancelled'].includes(t.phase) ? t : undefined;
    }, 120000, 200);

  it('answers the same prompt reworded with the earlier video, and a prompt for something else with a fresh run', async () => {
    // Six-second ads: what is reused does not depend on the length, and two of them are rendered.
    const options = { size: '320x180', music: false, tone: 'upbeat' };
    const res = await post('/v1/tasks', { prompt: 'Create a 6-second ad for a bakery', options });
    const { id } = (await res.json()) as { id: string };
    const first = await finished(id);
    expect(first.phase).to.equal('completed');
    const again = (await (await post('/v1/tasks', { prompt: 'For a bakery, create an ad: 6 seconds', options })).json()) as { id: string; status: string };
    expect(again.status).to.equal('completed');
    const reused = await view(again.id);
    expect(reused.reused_from).to.equal(id);
    expect(reused.video).to.be.a('string');
    expect(reused.components.reduce((n, c) => n + c.executions, 0)).to.equal(0);
    const other = (await (await post('/v1/tasks', { prompt: 'Create a 6-second ad for a butcher', options })).json()) as { id: string; status: string };
    expect(other.status).to.not.equal('completed');
    // Run to its end, not cancelled: a component running at a cancel would finish its ffmpeg after the test.
    const fresh = await finished(other.id);
    expect(fresh).to.include({ phase: 'completed', reused_from: null });
    expect(fresh.components.reduce((n, c) => n + c.executions, 0)).to.be.above(0);
  });

  it('plans the scenes with the template planner, shows who wrote them, and regenerates one scene with new narration', async () => {
    const res = await post('/v1/tasks', { prompt: PROMPT, options: { size: '320x180', music: false, tone: 'calm' } });
    expect(res.status).to.equal(202);
    const { id } = (await res.json()) as { id: string };
    const first = await finished(id);
    expect(first.phase).to.equal('completed');
    expect(first.flow).to.equal('prompt-video');
    expect(first.title).to.equal(PROMPT);
    expect(first.planner).to.include({ name: 'template', label: 'template planner', model: null, tone: 'calm' });
    expect(first.planner!.fit.target_sec).to.equal(15);
    const plans = first.assets.filter((a) => a.kind === 'plan');
    expect(plans.map((a) => [a.provider, a.cost_usd])).to.deep.equal([['template-planner', null]]);
    expect(first.scenes.length).to.be.at.least(4);
    expect(first.scenes.map((s) => s.narration).join(' ')).to.match(/\btea\b/);

    const narration = 'A quiet cup of tea, poured just for you.';
    const regen = await post(`/v1/tasks/${id}/scenes/2/regenerate`, { narration });
    expect(regen.status).to.equal(202);
    const second = await finished(id);
    expect(second.phase).to.equal('completed');
    expect(second.scenes[1]).to.include({ narration, take: 2 });
    expect(second.scenes[0]!.narration).to.equal(first.scenes[0]!.narration);
    // The plan is kept: a new take does not ask the planner again.
    expect(second.planner).to.deep.equal(first.planner);
  });

  it('refuses a prompt for a flow that has no planner with 400 prompt-not-supported', async () => {
    const res = await post('/v1/tasks', { flow: 'article-video', prompt: PROMPT });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('prompt-not-supported');
  });
});
