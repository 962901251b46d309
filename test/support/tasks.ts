import { TaskPhase } from '../../src/core/engine/task.ts';
import { compileFlow, type CompiledFlow } from '../../src/core/flow/compile.ts';
import { initialWord, taskStatus } from '../../src/core/word.ts';
import type { Distributed } from '../../src/runtime/composition.ts';

/** A one-component flow whose tasks nothing runs unless asked: what tests of naming and listing tasks need. */
export const IDLE_FLOW: CompiledFlow = compileFlow({
  flow: 'idle-one', version: 1,
  modules: [{ module_name: 'Work', status: 'waiting', next_status: 'done', components: [{ component_name: 'Only', slot_index: 0, depends: [], handler: 'builtin.noop' }] }],
});

/**
 * Creates a queued task with the id given, in the real store, with no first pass and no job: ids are random
 * UUIDs otherwise, and a test of prefixes needs two that share one.
 */
export async function createTaskWithId(d: Distributed, id: string, fields: { title?: string | null; parentId?: string | null } = {}): Promise<void> {
  const flow = await d.flows.register(IDLE_FLOW);
  const word = initialWord(flow, {});
  const parentId = fields.parentId ?? null;
  await d.store.createTask({
    id, flow, word, input: {}, idempotencyKey: null, parentId, parentComponent: parentId ? 'Only' : null, parentAttempt: parentId ? 1 : null,
    sceneIndex: parentId ? 0 : null, take: 1, title: fields.title ?? null, callbackUrl: null,
    snapshot: {
      id, flowName: flow.name, flowHash: flow.hash, word, inFlight: 0n, version: 1, attempts: {}, phase: TaskPhase.queued, status: taskStatus(flow, word),
      error: null, parentId, parentComponent: parentId ? 'Only' : null, parentAttempt: parentId ? 1 : null, sceneIndex: parentId ? 0 : null,
    },
    first: undefined,
  });
}
