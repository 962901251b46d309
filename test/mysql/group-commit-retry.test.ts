import { expect } from 'chai';
import mysql, { type Connection } from 'mysql2/promise';
import { batch, databaseOf, openMysql, type MysqlHandle, type Rows } from '../../src/adapters/mysql/connection.ts';
import { GroupCommit } from '../../src/adapters/mysql/group-commit.ts';
import { MysqlStore } from '../../src/adapters/mysql/mysql-store.ts';
import { applyWrite } from '../../src/adapters/mysql/steps/apply-write.ts';
import { TaskPhase, type TaskSnapshot } from '../../src/core/engine/task.ts';
import { planAnswer, planDispatch, type TaskWrite } from '../../src/core/engine/transitions.ts';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

/**
 * Group commit when MariaDB refuses a batch: a lock-wait timeout (1205) and a
 * deadlock (1213), both provoked for real by a second connection holding task
 * rows. The batch holds three transitions (one per task); it must be sent
 * again whole and leave every task exactly as one application of its write
 * would: word, version, run rows and events, none lost, none doubled.
 *
 * Each batch is preceded by a step of its own, so the three writes queue
 * behind it and go as one batch; the pool's `acquire` events count the
 * round trips (one per send).
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

/** Long enough that the blocker lets go well before a re-sent batch would time out a second time. */
const LOCK_WAIT_S = 2;

describe('group commit under deadlocks and lock-wait timeouts (MariaDB)', function () {
  this.timeout(60000);
  const env = useFreshEnv();
  let setup: MysqlHandle;
  let store: MysqlStore;
  before(() => {
    setup = openMysql(env().settings.mysqlUrl);
    store = new MysqlStore(setup);
  });
  after(async () => {
    await setup?.close();
  });

  /** Three new tasks, each with A dispatched (version 2, run A#1 queued); returns the write that answers A#1 for each. */
  async function tasksAwaitingA(prefix: string): Promise<TaskWrite[]> {
    await store.saveFlowVersion(flow);
    const writes: TaskWrite[] = [];
    for (const id of ['a', 'b', 'c'].map((k) => `${prefix}-${k}`)) {
      const snapshot: TaskSnapshot = {
        id, flowName: flow.name, flowHash: flow.hash, word: 0n, inFlight: 0n, version: 1, attempts: {},
        phase: TaskPhase.queued, status: 'working', parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null, error: null,
      };
      const first = planDispatch(flow, snapshot)!;
      await store.createTask({
        id, flow, word: 0n, input: {}, idempotencyKey: null, parentId: null, parentComponent: null, parentAttempt: null,
        sceneIndex: null, take: 1, title: null, callbackUrl: null, snapshot, first,
      });
      const current = (await store.readTask(id))!;
      expect(current.version).to.equal(2);
      const answer = planAnswer(flow, current, { taskId: id, component: 'A', attempt: 1, ok: true, output: { a: 1 } }, () => 0);
      if ('rejected' in answer) throw new Error(`answer rejected: ${answer.rejected}`);
      writes.push(answer);
    }
    return writes;
  }

  /** A group commit of its own on a one-connection pool whose sessions wait at most `LOCK_WAIT_S` for a row lock. */
  function committer(): { handle: MysqlHandle; commits: GroupCommit; sends: () => number } {
    const handle = openMysql(env().settings.mysqlUrl, 1);
    handle.commitPool.on('connection', (conn) => {
      conn.query(`SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_S}`);
    });
    let acquired = 0;
    handle.commitPool.on('acquire', () => acquired++);
    return { handle, commits: new GroupCommit(handle.commitPool, 1), sends: () => acquired };
  }

  /** Sends a step that touches no task first, so the writes given next wait for it and go together. */
  function runTogether(commits: GroupCommit, writes: readonly TaskWrite[]) {
    const opener = commits.run({ key: '', build: () => ({ statements: [['SELECT 1', []]], read: () => undefined }) });
    return Promise.all([opener, ...writes.map((w) => commits.run(applyWrite(w)))]).then(([, ...outcomes]) => outcomes);
  }

  async function expectAppliedOnce(writes: readonly TaskWrite[]): Promise<void> {
    for (const w of writes) {
      const now = (await store.readTask(w.taskId))!;
      expect({ word: now.word, inFlight: now.inFlight, version: now.version, attempts: now.attempts, phase: now.phase }, w.taskId)
        .to.deep.equal({ word: w.word, inFlight: w.inFlight, version: 3, attempts: { A: 1, B: 1 }, phase: TaskPhase.running });
      const [runs] = await setup.pool.query<Rows>(
        'SELECT component, attempt, status FROM component_runs WHERE task_id = ? ORDER BY component, attempt', [w.taskId]);
      // B#1 is claimed, not ended: it has no row yet.
      expect(runs.map((r) => `${r.component}#${r.attempt} ${r.status}`), w.taskId).to.deep.equal(['A#1 succeeded']);
      const events = await store.listEvents(w.taskId);
      expect(events.map((e) => e.type), w.taskId).to.deep.equal(['accepted', 'started', 'component.succeeded']);
    }
  }

  async function blocker(): Promise<Connection> {
    return mysql.createConnection({ uri: env().settings.mysqlUrl });
  }

  it('re-sends the whole batch after a lock-wait timeout, and applies each of its writes exactly once', async () => {
    const writes = await tasksAwaitingA('lw');
    const { handle, commits, sends } = committer();
    const holder = await blocker();
    try {
      // The last task in key order: the writes to the first two are already made in the transaction when it times out.
      await holder.query('START TRANSACTION');
      await holder.query('SELECT id FROM tasks WHERE id = ? FOR UPDATE', ['lw-c']);

      // The session setting takes: a lone statement on this pool gets the real 1205.
      const lone = await batch(handle.commitPool, [['UPDATE tasks SET updated_at = updated_at WHERE id = ?', ['lw-c']]]).then(() => undefined, (e: unknown) => e);
      expect(lone).to.have.property('errno', 1205);
      const before = sends();

      const started = Date.now();
      const outcomes = runTogether(commits, writes);
      // Let go only once the batch has timed out and is being sent again.
      await eventually('the batch to be sent again', async () => (sends() - before >= 3 ? true : undefined), 20000, 10);
      await holder.query('ROLLBACK');
      expect(await outcomes).to.deep.equal([{ applied: true }, { applied: true }, { applied: true }]);
      expect(Date.now() - started, 'the first send waited out the lock').to.be.at.least(LOCK_WAIT_S * 1000 - 100);
      expect(sends() - before, 'the opener, the batch, the batch again').to.equal(3);
      await expectAppliedOnce(writes);
    } finally {
      await holder.end();
      await handle.close();
    }
  });

  it('re-sends the whole batch after a deadlock, and applies each of its writes exactly once', async () => {
    const writes = await tasksAwaitingA('dl');
    const { handle, commits, sends } = committer();
    const holder = await blocker();
    const watcher = await blocker();
    try {
      // Made heavier than the batch, so InnoDB picks the batch as the deadlock's victim.
      await holder.query('CREATE TABLE IF NOT EXISTS ballast (n INT PRIMARY KEY) ENGINE=InnoDB');
      await holder.query('START TRANSACTION');
      await holder.query(`INSERT INTO ballast (n) VALUES ${Array.from({ length: 500 }, (_, i) => `(${i})`).join(', ')}`);
      await holder.query('SELECT id FROM tasks WHERE id = ? FOR UPDATE', ['dl-b']);
      const before = sends();

      const started = Date.now();
      const outcomes = runTogether(commits, writes);
      // The batch locks dl-a, then waits for dl-b: its locking read (or UPDATE) of dl-b is still on the server ...
      const database = databaseOf(env().settings.mysqlUrl);
      await eventually('the batch to wait for the held row', async () => {
        const [rows] = await watcher.query<Rows>(
          `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
           WHERE DB = ? AND ID NOT IN (?, CONNECTION_ID()) AND (INFO LIKE 'UPDATE tasks %' OR INFO LIKE 'SELECT JSON_ARRAYAGG(id) INTO %') AND INFO LIKE '%''dl-b''%' AND TIME_MS > 50`,
          [database, holder.threadId],
        );
        return Number(rows[0]!.n) > 0 ? true : undefined;
      }, 20000, 10);
      // ... and the holder asks for dl-a: a cycle, which InnoDB breaks by rolling the batch back.
      await holder.query('SELECT id FROM tasks WHERE id = ? FOR UPDATE', ['dl-a']);
      await holder.query('ROLLBACK');

      expect(await outcomes).to.deep.equal([{ applied: true }, { applied: true }, { applied: true }]);
      expect(sends() - before, 'the opener, the batch, the batch again').to.equal(3);
      expect(Date.now() - started, 'refused as a deadlock, well before any lock wait could time out').to.be.below(LOCK_WAIT_S * 1000);
      await expectAppliedOnce(writes);
    } finally {
      await holder.end();
      await watcher.end();
      await handle.close();
    }
  });
});
