import { expect } from 'chai';
import { openMysql, type MysqlHandle, type Rows } from '../../src/adapters/mysql/connection.ts';
import { GroupCommit } from '../../src/adapters/mysql/group-commit.ts';
import { MysqlStore } from '../../src/adapters/mysql/mysql-store.ts';
import { startAttempt } from '../../src/adapters/mysql/steps/start-attempt.ts';
import { TaskPhase, type TaskSnapshot } from '../../src/core/engine/task.ts';
import { planAnswer, planCancel, planDispatch } from '../../src/core/engine/transitions.ts';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * The attempt openings of one group-commit batch go together (start-attempts): each opens only an attempt
 * that is still queued or running, and each gets its own task's input and its own dependencies' outputs.
 */

const flow = compileFlow({
  flow: 'fork',
  modules: [{
    module_name: 'Work', status: 'working', next_status: 'done',
    components: [
      { component_name: 'A', slot_index: 0, depends: [], handler: 'h.a' },
      { component_name: 'B', slot_index: 1, depends: ['A'], handler: 'h.b' },
      { component_name: 'C', slot_index: 2, depends: ['A'], handler: 'h.c' },
    ],
  }],
});

describe('attempt openings merged in one batch (MariaDB)', () => {
  const env = useFreshEnv();
  let handle: MysqlHandle;
  let store: MysqlStore;
  beforeEach(() => {
    handle = openMysql(env().settings.mysqlUrl);
    store = new MysqlStore(handle);
  });
  afterEach(async () => {
    await handle.close();
  });

  /** A task whose A#1 succeeded with `{ from: id }`, so B#1 and C#1 are queued. */
  async function taskPastA(id: string): Promise<void> {
    await store.saveFlowVersion(flow);
    const snapshot: TaskSnapshot = {
      id, flowName: flow.name, flowHash: flow.hash, word: 0n, inFlight: 0n, version: 1, attempts: {},
      phase: TaskPhase.queued, status: 'working', parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null, error: null,
    };
    await store.createTask({
      id, flow, word: 0n, input: { name: id }, idempotencyKey: null, parentId: null, parentComponent: null, parentAttempt: null,
      sceneIndex: null, take: 1, title: null, callbackUrl: null, snapshot, first: planDispatch(flow, snapshot)!,
    });
    const w = planAnswer(flow, (await store.readTask(id))!, { taskId: id, component: 'A', attempt: 1, ok: true, output: { from: id } }, () => 0);
    if ('rejected' in w) throw new Error(`answer rejected: ${w.rejected}`);
    expect(await store.applyWrite(w)).to.deep.equal({ applied: true });
  }

  it('opens the attempts that are open, each with its own input and outputs, and drops the others', async () => {
    await taskPastA('s-a');
    await taskPastA('s-b');
    const commits = new GroupCommit(handle.commitPool, 1);
    const opener = commits.run({ key: '', build: () => ({ statements: [['SELECT 1', []]], read: () => undefined }) });
    const opened = await Promise.all([
      startAttempt('s-a', 'B', 1, 'w1', ['A']),
      startAttempt('s-a', 'C', 1, 'w2', ['A']),
      startAttempt('s-b', 'B', 1, 'w1', ['A']),
      startAttempt('s-b', 'B', 2, 'w1', ['A']), // no such attempt
      startAttempt('s-b', 'A', 1, 'w1', []), // answered already
    ].map((step) => commits.run(step)));
    await opener;
    expect(opened).to.deep.equal([
      { input: { name: 's-a' }, deps: { A: { from: 's-a' } } },
      { input: { name: 's-a' }, deps: { A: { from: 's-a' } } },
      { input: { name: 's-b' }, deps: { A: { from: 's-b' } } },
      undefined,
      undefined,
    ]);
    const [runs] = await handle.pool.query<Rows>(
      'SELECT task_id, component, attempt, status, worker, executions FROM component_runs ORDER BY task_id, component, attempt');
    expect(runs.map((r) => `${r.task_id} ${r.component}#${r.attempt} ${r.status} ${r.worker} ${r.executions}`)).to.deep.equal([
      's-a A#1 succeeded null 0', 's-a B#1 running w1 1', 's-a C#1 running w2 1',
      // s-b C#1 is claimed and not opened: it has no row yet (it reads as queued, see list-runs).
      's-b A#1 succeeded null 0', 's-b B#1 running w1 1',
    ]);
    expect((await store.listRuns('s-b')).map((r) => `${r.component}#${r.attempt} ${r.status}`)).to.have.members(['A#1 succeeded', 'B#1 running', 'C#1 queued']);
  });

  it('opens one attempt alone with its input and its dependencies outputs read in one statement', async () => {
    await taskPastA('l-a');
    expect(await store.startAttempt('l-a', 'B', 1, 'w1', ['A'])).to.deep.equal({ input: { name: 'l-a' }, deps: { A: { from: 'l-a' } } });
    expect(await store.startAttempt('l-a', 'C', 1, 'w1', [])).to.deep.equal({ input: { name: 'l-a' }, deps: {} });
    expect(await store.startAttempt('l-a', 'A', 1, 'w1', [])).to.equal(undefined);
    expect(await store.startAttempt('l-a', 'B', 2, 'w1', ['A'])).to.equal(undefined);
  });

  it('opens an attempt again on the row a dead execution left running, counting one more execution', async () => {
    await taskPastA('r-a');
    expect(await store.startRun('r-a', 'B', 1, 'w1')).to.equal(true);
    expect(await store.startRun('r-a', 'B', 1, 'w2')).to.equal(true);
    const [runs] = await handle.pool.query<Rows>('SELECT status, worker, executions FROM component_runs WHERE task_id = ? AND component = ?', ['r-a', 'B']);
    expect(runs.map((r) => `${r.status} ${r.worker} ${r.executions}`)).to.deep.equal(['running w2 2']);
  });

  it('refuses to open an attempt of a cancelled task, whose claimed attempts were written cancelled', async () => {
    await taskPastA('x-a');
    expect(await store.startRun('x-a', 'B', 1, 'w1')).to.equal(true);
    const cancel = planCancel((await store.readTask('x-a'))!, flow);
    expect(await store.applyWrite(cancel!)).to.deep.equal({ applied: true });
    expect(await store.startAttempt('x-a', 'B', 1, 'w1', ['A'])).to.equal(undefined);
    expect(await store.startRun('x-a', 'C', 1, 'w1')).to.equal(false);
    const [runs] = await handle.pool.query<Rows>('SELECT component, status, executions FROM component_runs WHERE task_id = ? ORDER BY component', ['x-a']);
    expect(runs.map((r) => `${r.component} ${r.status} ${r.executions}`)).to.deep.equal(['A succeeded 0', 'B cancelled 1', 'C cancelled 0']);
  });
});
