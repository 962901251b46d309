import { expect } from 'chai';
import { openMysql, type MysqlHandle, type Rows } from '../../src/adapters/mysql/connection.ts';
import { GroupCommit } from '../../src/adapters/mysql/group-commit.ts';
import { MysqlStore } from '../../src/adapters/mysql/mysql-store.ts';
import { applyWrite } from '../../src/adapters/mysql/steps/apply-write.ts';
import { TaskPhase, type TaskSnapshot } from '../../src/core/engine/task.ts';
import { planAnswer, planCancel, planDispatch, type TaskWrite } from '../../src/core/engine/transitions.ts';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * The writes of one group-commit batch go together as multi-row statements
 * (apply-writes): each must still apply only on the version its plan read,
 * tell its caller whether it did, and write its runs and events only then.
 */

const flow = compileFlow({
  flow: 'pair',
  modules: [{
    module_name: 'Work', status: 'working', next_status: 'done',
    components: [
      { component_name: 'A', slot_index: 0, depends: [], handler: 'h.a' },
      { component_name: 'B', slot_index: 1, depends: ['A'], handler: 'h.b' },
    ],
  }],
});

describe('writes merged in one batch (MariaDB)', () => {
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

  /** New tasks with A dispatched (version 2); for each, the write that answers A#1 with `output`. */
  async function tasksAwaitingA(ids: readonly string[], output: unknown = { a: 1 }): Promise<TaskWrite[]> {
    await store.saveFlowVersion(flow);
    const writes: TaskWrite[] = [];
    for (const id of ids) {
      const snapshot: TaskSnapshot = {
        id, flowName: flow.name, flowHash: flow.hash, word: 0n, inFlight: 0n, version: 1, attempts: {},
        phase: TaskPhase.queued, status: 'working', parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null, error: null,
      };
      await store.createTask({
        id, flow, word: 0n, input: {}, idempotencyKey: null, parentId: null, parentComponent: null, parentAttempt: null,
        sceneIndex: null, take: 1, title: null, callbackUrl: null, snapshot, first: planDispatch(flow, snapshot)!,
      });
      writes.push(answerA((await store.readTask(id))!, output));
    }
    return writes;
  }

  function answerA(current: TaskSnapshot, output: unknown): TaskWrite {
    const w = planAnswer(flow, current, { taskId: current.id, component: 'A', attempt: 1, ok: true, output }, () => 0);
    if ('rejected' in w) throw new Error(`answer rejected: ${w.rejected}`);
    return w;
  }

  /** Sends a step that touches no task first, so the writes given next wait for it and go together. */
  function together(commits: GroupCommit, writes: readonly TaskWrite[]) {
    const opener = commits.run({ key: '', build: () => ({ statements: [['SELECT 1', []]], read: () => undefined }) });
    return Promise.all([opener, ...writes.map((w) => commits.run(applyWrite(w)))]).then(([, ...outcomes]) => outcomes);
  }

  /** The runs as read (list-runs): an attempt claimed and not ended has no row and reads as queued. */
  async function runsOf(id: string): Promise<string[]> {
    const runs = (await store.listRuns(id)).sort((x, y) => x.component.localeCompare(y.component) || x.attempt - y.attempt);
    return runs.map((r) => `${r.component}#${r.attempt} ${r.status} ${JSON.stringify(r.output)}`);
  }

  async function rowsOf(id: string): Promise<number> {
    const [rows] = await handle.pool.query<Rows>('SELECT COUNT(*) AS n FROM component_runs WHERE task_id = ?', [id]);
    return Number(rows[0]!.n);
  }

  async function eventsOf(id: string): Promise<string[]> {
    return (await store.listEvents(id)).map((e) => e.type);
  }

  it('applies the writes whose version held and refuses the one whose row moved, writing nothing for it', async () => {
    const [a, b, c] = await tasksAwaitingA(['m-a', 'm-b', 'm-c']);
    // Another writer moves m-b on first: its write here was planned from an old version.
    await handle.pool.query('UPDATE tasks SET version = version + 1 WHERE id = ?', ['m-b']);
    const commits = new GroupCommit(handle.commitPool, 1);
    const [oa, ob, oc] = await together(commits, [a!, b!, c!]);

    expect(oa).to.deep.equal({ applied: true });
    expect(oc).to.deep.equal({ applied: true });
    expect(ob).to.have.property('applied', false);
    expect((ob as { current: TaskSnapshot }).current).to.include({ id: 'm-b', version: 3, phase: TaskPhase.running });
    expect((ob as { current: TaskSnapshot }).current.word).to.equal(0n);

    for (const w of [a!, c!]) {
      const now = (await store.readTask(w.taskId))!;
      expect({ word: now.word, inFlight: now.inFlight, version: now.version, attempts: now.attempts })
        .to.deep.equal({ word: w.word, inFlight: w.inFlight, version: 3, attempts: { A: 1, B: 1 } });
      expect(await runsOf(w.taskId)).to.deep.equal(['A#1 succeeded {"a":1}', 'B#1 queued null']);
      expect(await eventsOf(w.taskId)).to.deep.equal(['accepted', 'started', 'component.succeeded']);
    }
    expect(await runsOf('m-b')).to.deep.equal(['A#1 queued null']);
    // A claimed attempt has no row until it ends: the refused write wrote none, the applied ones only A's.
    expect([await rowsOf('m-a'), await rowsOf('m-b'), await rowsOf('m-c')]).to.deep.equal([1, 0, 1]);
    expect(await eventsOf('m-b')).to.deep.equal(['accepted', 'started']);
  });

  it('keeps each task its own values: words beyond 2^63 and outputs are not mixed up between rows', async () => {
    const writes = await tasksAwaitingA(['v-a', 'v-b']);
    const high = (1n << 63n) | 5n;
    const [a, b] = [{ ...writes[0]!, word: high }, { ...writes[1]!, finishes: writes[1]!.finishes.map((f) => ({ ...f, output: { b: 2 } })) }];
    const outcomes = await together(new GroupCommit(handle.commitPool, 1), [a, b]);
    expect(outcomes).to.deep.equal([{ applied: true }, { applied: true }]);
    expect((await store.readTask('v-a'))!.word).to.equal(high);
    expect((await store.readTask('v-b'))!.word).to.equal(b.word);
    expect(await runsOf('v-a')).to.deep.equal(['A#1 succeeded {"a":1}', 'B#1 queued null']);
    expect(await runsOf('v-b')).to.deep.equal(['A#1 succeeded {"b":2}', 'B#1 queued null']);
  });

  it('applies only the first of two writes to one task planned from the same version', async () => {
    const [first, other] = await tasksAwaitingA(['d-a', 'd-b']);
    const second = answerA((await store.readTask('d-a'))!, { a: 'second' });
    // d-a's first write and d-b's are merged; the second to d-a goes alone after them.
    const outcomes = await together(new GroupCommit(handle.commitPool, 1), [first!, second, other!]);
    expect(outcomes[0]).to.deep.equal({ applied: true });
    // Alone and carrying nothing, it reads nothing back: its refusal leaves the row to be read (the store does).
    expect(outcomes[1]).to.deep.equal({ applied: false, unread: true });
    expect((await store.readTask('d-a'))!.version).to.equal(3);
    expect(outcomes[2]).to.deep.equal({ applied: true });
    expect(await runsOf('d-a')).to.deep.equal(['A#1 succeeded {"a":1}', 'B#1 queued null']);
    expect(await eventsOf('d-a')).to.deep.equal(['accepted', 'started', 'component.succeeded']);
  });

  it('tells a lone write that carries nothing whether it applied from the UPDATE alone, and the store reads a refused one', async () => {
    const [w] = await tasksAwaitingA(['l-a']);
    const stale = { ...w!, expectedVersion: w!.expectedVersion - 1 };
    expect(await store.applyWrite(stale)).to.deep.include({ applied: false });
    expect(((await store.applyWrite(stale)) as { current: TaskSnapshot }).current).to.include({ id: 'l-a', version: 2 });
    expect(await store.applyWrite(w!)).to.deep.equal({ applied: true });
    expect(await runsOf('l-a')).to.deep.equal(['A#1 succeeded {"a":1}', 'B#1 queued null']);
    expect(await eventsOf('l-a')).to.deep.equal(['accepted', 'started', 'component.succeeded']);
  });

  it('writes a cancel beside an answer in one batch: the open runs of the cancelled task close, the other task goes on', async () => {
    const [answer] = await tasksAwaitingA(['c-a', 'c-b']);
    const cancel = planCancel((await store.readTask('c-b'))!, flow);
    if (!cancel || 'rejected' in cancel) throw new Error('cancel not planned');
    const outcomes = await together(new GroupCommit(handle.commitPool, 1), [answer!, cancel]);
    expect(outcomes).to.deep.equal([{ applied: true }, { applied: true }]);
    expect(await runsOf('c-a')).to.deep.equal(['A#1 succeeded {"a":1}', 'B#1 queued null']);
    expect(await runsOf('c-b')).to.deep.equal(['A#1 cancelled null']);
    expect((await store.readTask('c-b'))!.phase).to.equal(TaskPhase.cancelled);
  });
});
