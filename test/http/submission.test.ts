import { expect } from 'chai';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import type { Distributed } from '../../src/runtime/composition.ts';
import { eventually } from '../support/env.ts';
import { useFullServer } from '../support/server.ts';

/**
 * What `POST /v1/tasks` and `POST /v1/tasks/:id/resume` refuse, with the
 * codes the one validation gives, before a task exists; and a resume with
 * another voice that makes new speech. Against a real server with the real
 * MariaDB and Redis behind it.
 */

interface ErrorBody {
  error: { code: string; message: string; voices?: string[] };
}

interface TaskJson {
  id: string;
  phase: string;
  components: Array<{ component: string; attempts: number }>;
}

describe('HTTP API submissions and resumes with changes (MariaDB + Redis)', function () {
  this.timeout(180000);
  let d: Distributed;
  let base: string;
  const server = useFullServer();

  before(() => ({ d, base } = server()));

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const taskCount = async () => (await d.reads.listTasks({ limit: 200 })).length;
  const finished = (id: string) =>
    eventually(`task ${id} to finish`, async () => {
      const t = (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as TaskJson;
      return ['completed', 'failed', 'cancelled'].includes(t.phase) ? t : undefined;
    }, 150000, 250);

  const article = { body: 'Tea is an old drink. People drink it every day.' };
  const refusals: Array<[string, unknown, string, RegExp]> = [
    ['a body that is a number', '5', 'invalid-body', /object/],
    ['a body that is a list', [article], 'invalid-body', /object/],
    ['an empty article', { article: { body: '' } }, 'article-empty', /no text/],
    ['a whitespace-only article', { article: { body: ' \n\t\n ' } }, 'article-empty', /no text/],
    ['a whitespace-only prompt', { prompt: '   ' }, 'article-empty', /no text/],
    ['a binary article', { article: { body: 'a\u0000b\u0000c' } }, 'article-binary', /not text/],
    ['a too long article', { article: { body: 'word '.repeat(12_000) } }, 'article-too-long', /limit/],
    ['a numeric body', { article: { body: 42 } }, 'invalid-body', /article\.body must be a string/],
    ['options that are not an object', { article, options: 'fast' }, 'invalid-body', /options must be a JSON object/],
    ['an unknown option', { article, options: { colour: 'red' } }, 'invalid-option', /colour.*format, voice, duration_s, tone, captions, music, reuse/],
    ['an unknown format', { article, options: { format: '4:3' } }, 'invalid-option', /format must be one of 16:9, 9:16, 1:1/],
    ['an unknown tone', { article, options: { tone: 'grumpy' } }, 'invalid-option', /tone must be one of calm, upbeat, serious, playful/],
    ['an unknown caption style', { article, options: { captions: 'wavy' } }, 'invalid-option', /captions must be one of sentence, karaoke, pop/],
    ['a duration out of bounds', { article, options: { duration_s: 0 } }, 'invalid-option', /duration_s must be a number of seconds/],
    ['music that is not a boolean', { article, options: { music: 'loud' } }, 'invalid-option', /music must be true or false/],
    ['reuse that is not a boolean', { article, options: { reuse: 'no' } }, 'invalid-option', /reuse must be true or false/],
    ['an unknown voice', { article, options: { voice: 'klingon' } }, 'unknown-voice', /"klingon" is not available here; available: .*espeak-ng:en-us/],
    ['a prompt for a flow without a planner', { flow: 'article-video', prompt: 'A short video about tea.' }, 'prompt-not-supported', /article-video does not take a prompt/],
    ['a flow that does not exist', { flow: 'no-such-flow', article }, 'unknown-flow', /no-such-flow/],
  ];

  for (const [what, body, code, message] of refusals) {
    it(`answers 400 ${code} for ${what}, and creates no task`, async () => {
      const before = await taskCount();
      const res = await post('/v1/tasks', body);
      expect(res.status).to.equal(400);
      const err = ((await res.json()) as ErrorBody).error;
      expect(err.code).to.equal(code);
      expect(err.message).to.match(message);
      expect(err.message.length, 'no long input echoed').to.be.below(4000);
      expect(await taskCount()).to.equal(before);
    });
  }

  it('lists the available voices in the unknown-voice error, the same ones /v1/meta offers', async () => {
    const meta = (await (await fetch(`${base}/v1/meta`)).json()) as { voices: Array<{ id: string }> };
    const err = ((await (await post('/v1/tasks', { article, options: { voice: 'espeak-ng:xx-nope' } })).json()) as ErrorBody).error;
    expect(err.code).to.equal('unknown-voice');
    expect(err.voices).to.deep.equal(meta.voices.map((v) => v.id));
  });

  it('resumes from SpeechSynthesis with another voice: speech runs again and sounds different; refuses another format, an unknown voice and scene 0', async () => {
    const options = { size: '160x90', music: false, voice: 'espeak-ng:en-us' };
    const res = await post('/v1/tasks', { article: { body: '# Voices\n\nA short article about voices. It has two sentences.' }, options });
    expect(res.status).to.equal(202);
    const { id } = (await res.json()) as { id: string };
    expect((await finished(id)).phase).to.equal('completed');
    const speechBefore = (await d.reads.listRuns(id)).filter((r) => r.component === 'SpeechSynthesis' && r.status === 'succeeded');
    expect(speechBefore).to.have.length(1);
    const first = speechBefore[0]!.output as { voice: string; scenes: Array<{ audio: string }> };
    expect(first.voice).to.equal('en-us');

    const refused: Array<[unknown, number, string]> = [
      [{ from: 'SpeechSynthesis', options: { format: '9:16' } }, 400, 'format-change-needs-new-task'],
      [{ from: 'SpeechSynthesis', options: { voice: 'klingon' } }, 400, 'unknown-voice'],
      [{ from: 'SpeechSynthesis', options: { size: '320x180' } }, 400, 'invalid-option'],
      [{ from: 'SceneRender', scene: 0 }, 400, 'invalid-option'],
      [{ from: 'SceneRender', scene: -1 }, 400, 'invalid-option'],
      [{ from: 'SceneRender', scene: 1, options: { voice: 'espeak-ng:en-gb' } }, 400, 'invalid-option'],
      [{ from: 'VideoSynthesis', options: { voice: 'espeak-ng:en-gb' } }, 400, 'invalid-option'],
    ];
    for (const [body, status, code] of refused) {
      const r = await post(`/v1/tasks/${id}/resume`, body);
      expect(r.status, JSON.stringify(body)).to.equal(status);
      expect(((await r.json()) as ErrorBody).error.code, JSON.stringify(body)).to.equal(code);
    }
    expect((await d.reads.getTask(id))!.input).to.deep.include({ options });

    const resumed = await post(`/v1/tasks/${id}/resume`, { from: 'SpeechSynthesis', options: { voice: 'espeak-ng:en-gb', format: '16:9' } });
    expect(resumed.status).to.equal(202);
    expect((await finished(id)).phase).to.equal('completed');
    expect(((await d.reads.getTask(id))!.input as { options: Record<string, unknown> }).options).to.deep.equal({ ...options, voice: 'espeak-ng:en-gb' });
    const runs = await d.reads.listRuns(id);
    const speech = runs.filter((r) => r.component === 'SpeechSynthesis' && r.status === 'succeeded');
    expect(speech, 'SpeechSynthesis ran again').to.have.length(2);
    expect(speech[1]!.cached, 'not answered from the cache').to.equal(false);
    expect(speech[1]!.executions).to.be.above(0);
    const second = speech[1]!.output as { voice: string; scenes: Array<{ audio: string }> };
    expect(second.voice).to.equal('en-gb');
    // Assets are content-addressed: another file path is other audio.
    expect(second.scenes.map((s) => s.audio)).to.not.deep.equal(first.scenes.map((s) => s.audio));
    const upstream = runs.filter((r) => r.component === 'TextProcessor');
    expect(upstream, 'upstream work kept').to.have.length(1);
  });

  it('fails SpeechSynthesis at once with unknown-voice, no retries, when the worker lacks the voice the task asks for', async () => {
    // As a task submitted where the voice was installed would reach a worker without it: past the submit check.
    const flow = loadFlow('article-video', process.cwd());
    expect(flow.byName.get('SpeechSynthesis')!.attempts, 'the flow would retry other failures').to.be.above(1);
    const { id } = await d.engine.submit({ flow, input: { article: { body: 'A voice that is not here. It must not be replaced.' }, options: { size: '160x90', music: false, voice: 'espeak-ng:xx-not-installed' } } });
    const done = await finished(id);
    expect(done.phase).to.equal('failed');
    const speech = done.components.find((c) => c.component === 'SpeechSynthesis') as unknown as { attempts: number; state: string; error: { code: string; message: string } };
    expect(speech).to.include({ attempts: 1, state: 'failed' });
    expect(speech.error.code).to.equal('unknown-voice');
    expect(speech.error.message).to.match(/available: .*espeak-ng:en-us/);
  });

  it('resumes one scene counted from 1', async () => {
    const { id } = (await (await post('/v1/tasks', { article: { body: '# Scenes\n\nOne short article. It has few words.' }, options: { size: '160x90', music: false } })).json()) as { id: string };
    expect((await finished(id)).phase).to.equal('completed');
    const children = await d.reads.listChildren(id);
    const beyond = await post(`/v1/tasks/${id}/resume`, { from: 'SceneRender', scene: children.length + 1 });
    expect(beyond.status).to.equal(404);
    expect(((await beyond.json()) as ErrorBody).error.code).to.equal('unknown-scene');
    const last = await post(`/v1/tasks/${id}/resume`, { from: 'SceneRender', scene: children.length });
    expect(last.status).to.equal(202);
    expect((await finished(id)).phase).to.equal('completed');
    const after = await d.reads.listChildren(id);
    const restarted = after.filter((c) => (c.attempts.SceneRender ?? 0) > 1);
    expect(restarted.map((c) => c.sceneIndex)).to.deep.equal([children.length - 1]);
  });
});
