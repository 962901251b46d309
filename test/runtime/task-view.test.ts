import { expect } from 'chai';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { TaskPhase } from '../../src/core/engine/task.ts';
import type { TaskRecord } from '../../src/core/ports/read-model.ts';
import { videoOutputs } from '../../src/pipeline/task-outputs.ts';
import { describedOutputs, endedState, taskView, type TaskViewSource } from '../../src/runtime/task-view.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { isTerminal } from '../../src/core/engine/task.ts';
import { connect, type Distributed, defaultRegistry, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

const CONTROL_FLOWS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/flows/control');
/** How long after its first run a scene is redone: longer than the redo itself takes. */
const REDO_GAP_MS = 2000;

const flow = compileFlow({
  flow: 'view-unit', version: 1,
  modules: [{ module_name: 'M', status: 'init', next_status: 'done', components: [
    { component_name: 'Make', slot_index: 0, depends: [] },
    { component_name: 'Compose', slot_index: 1, depends: ['Make'] },
  ] }],
});

function source(phase: TaskPhase, outputs: Record<string, unknown>): TaskViewSource {
  const task = { id: 't1', flowHash: flow.hash, phase } as TaskRecord;
  // Only what describing outputs reads; the rest of the read model is not asked.
  const reads = {
    getTask: async () => task,
    outputsOf: async (_id: string, names: readonly string[]) => Object.fromEntries(names.filter((n) => n in outputs).map((n) => [n, outputs[n]])),
  } as unknown as TaskViewSource['reads'];
  return { reads, flows: { byHashOrThrow: async () => flow }, outputs: videoOutputs };
}

describe('module states of a task that ended', () => {
  it('reads a running module as the way its task ended, and leaves every other state as the word says', () => {
    expect(endedState('running', 'failed')).to.equal('failed');
    expect(endedState('running', 'cancelled')).to.equal('cancelled');
    expect(endedState('running', 'running')).to.equal('running');
    for (const phase of ['failed', 'cancelled', 'completed']) {
      for (const state of ['pending', 'succeeded', 'failed'] as const) expect(endedState(state, phase)).to.equal(state);
    }
  });
});

describe('task outputs, as the pipeline describes them', () => {
  it('serves the last component\'s video as video/mp4 and shows its download URL', async () => {
    const d = await describedOutputs(source(TaskPhase.completed, { Compose: { video: '/data/v.mp4', srt: '/data/v.srt', cover: '/data/c.jpg' }, Make: { video: '/x' } }), 't1');
    expect(d?.download).to.deep.equal({ path: '/data/v.mp4', contentType: 'video/mp4' });
    expect(d?.files).to.deep.equal({ subtitles: '/data/v.srt', cover: '/data/c.jpg' });
    expect(d?.viewFields).to.deep.equal({ video: '/v1/tasks/t1/video', bundle: null, cover: '/v1/tasks/t1/cover' });
  });

  it('describes nothing made while the task has not completed, with the same view fields', async () => {
    const d = await describedOutputs(source(TaskPhase.running, { Compose: { video: '/data/v.mp4' } }), 't1');
    expect(d?.download).to.equal(undefined);
    expect(d?.viewFields).to.deep.equal({ video: null, bundle: null, cover: null });
  });
});

/**
 * The task view of tasks that ran on the real MariaDB and Redis: a module a task's end cut short reads as
 * the way it ended, and a component's time is its last attempt's own, even when a scene was redone later.
 */
describe('the task view of tasks that ended (MariaDB + Redis)', function () {
  this.timeout(60000);
  const env = useFreshEnv({ SLOTFLOW_FLOWS_DIR: CONTROL_FLOWS });
  let d: Distributed;
  const views = () => ({ reads: d.reads, flows: d.flows, outputs: videoOutputs });

  before(async () => {
    const { settings } = env();
    d = connect(settings);
    await startScheduler(d, settings);
    const registry = defaultRegistry()
      .register('test.items', async () => ({ scenes: [{ i: 0, fail: false }, { i: 1, fail: false }] }))
      .register('test.scene', async () => ({ ok: true }));
    await startWorker(d, settings, registry, { concurrency: 4 });
  });
  after(async () => {
    await d?.close();
  });
  const settled = (id: string) =>
    eventually(`task ${id} to settle`, async () => {
      const snap = await d.store.readTask(id);
      return snap && isTerminal(snap.phase) && (snap.inFlight === 0n) ? snap : undefined;
    });

  it('shows a module that was running when its task failed as failed, not running', async () => {
    const flow = compileFlow({
      flow: 'view-failed', version: 1,
      modules: [
        { module_name: 'First', status: 'first', next_status: 'second', components: [{ component_name: 'Breaks', slot_index: 0, depends: [], handler: 'builtin.fail' }] },
        { module_name: 'Second', status: 'second', next_status: 'done', components: [
          { component_name: 'Free', slot_index: 1, depends: [], handler: 'builtin.noop' },
          { component_name: 'Blocked', slot_index: 2, depends: ['Breaks'], handler: 'builtin.noop' },
        ] },
        { module_name: 'Third', status: 'third', next_status: 'done3', components: [{ component_name: 'Later', slot_index: 3, depends: ['Blocked'], handler: 'builtin.noop' }] },
      ],
    });
    const { id } = await d.engine.submit({ flow, input: {} });
    expect((await settled(id)).phase).to.equal('failed');
    await eventually('Free to have run', async () => ((await d.store.listRuns(id)).some((r) => r.component === 'Free' && r.status === 'succeeded') ? true : undefined));
    const view = (await taskView(views(), id))!;
    expect(view.modules.map((m) => [m.module, m.state])).to.deep.equal([['First', 'failed'], ['Second', 'failed'], ['Third', 'pending']]);
  });

  it('shows a module that was running when its task was cancelled as cancelled', async () => {
    const flow = compileFlow({
      flow: 'view-cancelled', version: 1,
      modules: [{ module_name: 'Only', status: 'working', next_status: 'done', components: [
        { component_name: 'Quick', slot_index: 0, depends: [], handler: 'builtin.noop' },
        { component_name: 'Slow', slot_index: 1, depends: [], handler: 'builtin.sleep', params: { ms: 1500 } },
      ] }],
    });
    const { id } = await d.engine.submit({ flow, input: {} });
    await eventually('Quick to succeed', async () => ((await d.store.listRuns(id)).some((r) => r.component === 'Quick' && r.status === 'succeeded') ? true : undefined));
    await d.engine.cancel(id);
    const view = (await taskView(views(), id))!;
    expect(view.phase).to.equal('cancelled');
    expect(view.modules.map((m) => m.state)).to.deep.equal(['cancelled']);
    expect(view.components.find((c) => c.component === 'Slow')!.finished_at).to.not.equal(null);
  });

  it("times a fan-out by its last run: a scene redone later does not stretch it across both", async () => {
    const flow = loadFlow('fanning', process.cwd(), CONTROL_FLOWS);
    const { id } = await d.engine.submit({ flow, input: {} });
    expect((await settled(id)).phase).to.equal('completed');
    const first = (await taskView(views(), id))!.components.find((c) => c.component === 'Scenes')!;
    await new Promise((r) => setTimeout(r, REDO_GAP_MS));
    const resumedAt = Date.now();
    await d.engine.resume(id, 'Scenes', 0);
    await eventually('the redone task to complete', async () => {
      const snap = await d.store.readTask(id);
      return snap?.phase === 'completed' && snap.inFlight === 0n ? snap : undefined;
    });
    const redone = (await taskView(views(), id))!.components.find((c) => c.component === 'Scenes')!;
    expect(redone.attempts).to.equal(first.attempts);
    // Millisecond times from two clocks on one machine: a little slack.
    expect(Date.parse(redone.started_at!)).to.be.at.least(resumedAt - 50);
    expect(redone.duration_ms).to.equal(Date.parse(redone.finished_at!) - Date.parse(redone.started_at!));
    expect(redone.duration_ms!).to.be.below(REDO_GAP_MS);
  });
});
