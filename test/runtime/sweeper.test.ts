import { expect } from 'chai';
import { compileFlow, type CompiledFlow } from '../../src/core/flow/compile.ts';
import { type ComponentJob, TaskPhase, type TaskSnapshot } from '../../src/core/engine/task.ts';
import { type SweepDeps, sweepOnce } from '../../src/runtime/sweeper.ts';

const flow: CompiledFlow = compileFlow({
  flow: 'sweep-unit',
  version: 1,
  modules: [{
    module_name: 'Only', status: 'init', next_status: 'done',
    components: [
      { component_name: 'Work', slot_index: 0, depends: [], handler: 'builtin.noop' },
      { component_name: 'Gate', slot_index: 1, depends: [], kind: 'approval' },
    ],
  }],
});

function idle(inFlight: bigint): TaskSnapshot {
  return {
    id: 'task-1', flowName: flow.name, flowHash: flow.hash, word: 0n, inFlight, version: 4, attempts: { Work: 2, Gate: 1 },
    phase: TaskPhase.running, status: 'init', error: null, parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null,
  };
}

/** The sweeper's collaborators as plain objects: what it dispatched and which passes it asked for. */
function deps(snap: TaskSnapshot, live: (job: ComponentJob) => boolean) {
  const dispatched: ComponentJob[] = [];
  const scheduled: string[] = [];
  const d: SweepDeps = {
    tasks: { findIdleTasks: async () => [snap], listChildren: async () => [] },
    flows: { byHashOrThrow: async () => flow },
    queue: {
      isLive: async (job) => live(job),
      dispatch: async (jobs) => void dispatched.push(...jobs),
      requestSchedule: async (id) => void scheduled.push(id),
    },
  };
  return { d, dispatched, scheduled };
}

describe('sweeper', () => {
  const work = flow.byName.get('Work')!;
  const gate = flow.byName.get('Gate')!;

  it('dispatches again an in-flight attempt whose job is lost, and asks for a pass', async () => {
    const { d, dispatched, scheduled } = deps(idle(work.successBit), () => false);
    const report = await sweepOnce(d);
    expect(dispatched.map((j) => [j.component, j.attempt])).to.deep.equal([['Work', 2]]);
    expect(scheduled).to.deep.equal(['task-1']);
    expect(report).to.deep.equal({ examined: 1, redispatched: 1, rescheduled: 1 });
  });

  it('leaves a live job and a waiting approval gate alone, with no pass: the live job\'s answer makes one', async () => {
    const { d, dispatched, scheduled } = deps(idle(work.successBit | gate.successBit), () => true);
    const report = await sweepOnce(d);
    expect(dispatched).to.deep.equal([]);
    expect(scheduled).to.deep.equal([]);
    expect(report).to.deep.equal({ examined: 1, redispatched: 0, rescheduled: 0 });
  });

  it('asks for a pass for a task that waits on a gate alone: no job will make one', async () => {
    const { d, dispatched, scheduled } = deps(idle(gate.successBit), () => true);
    const report = await sweepOnce(d);
    expect(dispatched).to.deep.equal([]);
    expect(scheduled).to.deep.equal(['task-1']);
    expect(report).to.deep.equal({ examined: 1, redispatched: 0, rescheduled: 1 });
  });
});
