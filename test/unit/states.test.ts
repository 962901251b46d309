import { expect } from 'chai';
import { isRunMove, isTaskPhaseMove, TASK_PHASE_MOVES } from '../../src/core/engine/states.ts';
import { TaskPhase, type TaskSnapshot } from '../../src/core/engine/task.ts';
import { planCancel, RunStatus } from '../../src/core/engine/transitions.ts';

function snapshot(phase: TaskPhase): TaskSnapshot {
  return {
    id: 't', flowName: 'f', flowHash: 'h', word: 0n, inFlight: 0n, version: 3, attempts: {}, phase, status: 'init', error: null,
    parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null,
  };
}

describe('state machines', () => {
  for (const phase of Object.values(TaskPhase)) {
    const allowed = (TASK_PHASE_MOVES[phase] as readonly TaskPhase[]).includes(TaskPhase.cancelled);
    it(`${allowed ? 'cancels' : 'does not cancel'} a ${phase} task, as the phase table says`, () => {
      const write = planCancel(snapshot(phase));
      expect(write !== undefined).to.equal(allowed);
      if (write) expect(isTaskPhaseMove(phase, write.phase)).to.equal(true);
    });
  }

  it('never moves a cancelled run, and reopens only finished runs', () => {
    for (const to of Object.values(RunStatus)) expect(isRunMove(RunStatus.cancelled, to)).to.equal(false);
    expect(isRunMove(RunStatus.succeeded, RunStatus.running)).to.equal(true);
    expect(isRunMove(RunStatus.failed, RunStatus.running)).to.equal(true);
    expect(isRunMove(RunStatus.succeeded, RunStatus.failed)).to.equal(false);
  });
});
