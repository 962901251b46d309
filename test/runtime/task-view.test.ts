import { expect } from 'chai';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { TaskPhase } from '../../src/core/engine/task.ts';
import type { TaskRecord } from '../../src/core/ports/read-model.ts';
import { videoOutputs } from '../../src/pipeline/task-outputs.ts';
import { describedOutputs, type TaskViewSource } from '../../src/runtime/task-view.ts';

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
