import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { openMysql, type MysqlHandle, type Rows } from '../../src/adapters/mysql/connection.ts';
import { MysqlStore } from '../../src/adapters/mysql/mysql-store.ts';
import { findIdleTasks } from '../../src/adapters/mysql/steps/find-idle-tasks.ts';
import { TaskPhase } from '../../src/core/engine/task.ts';
import { initialWord, taskStatus } from '../../src/core/word.ts';
import { useFreshEnv } from '../support/env.ts';
import { IDLE_FLOW } from '../support/tasks.ts';

/**
 * find-idle-tasks on MariaDB: the queued and running tasks not written for
 * `idleMs`, oldest first across both phases, at most `limit`, and read from
 * one index range per phase: the rows the server reads stay a few times the
 * limit however many tasks are idle (counted with the session's handler
 * counters, not timed).
 */

const MINUTE_MS = 60_000;
/** Idle tasks beyond the ones the first tests look at: enough that a sort of all of them shows in the row counts. */
const BACKLOG = 300;

describe('find-idle-tasks (MariaDB)', function () {
  this.timeout(60000);
  const env = useFreshEnv();
  let handle: MysqlHandle;
  let store: MysqlStore;
  before(async () => {
    handle = openMysql(env().settings.mysqlUrl);
    store = new MysqlStore(handle);
    await store.saveFlowVersion(IDLE_FLOW);
  });
  after(async () => {
    await handle?.close();
  });

  const sql = async (statement: string, values: unknown[] = []) => (await handle.pool.query<Rows>(statement, values))[0];

  /** A task in `phase` last written `minutesAgo` minutes ago. */
  async function task(phase: TaskPhase, minutesAgo: number): Promise<string> {
    const id = randomUUID();
    const word = initialWord(IDLE_FLOW, {});
    await store.createTask({
      id, flow: IDLE_FLOW, word, input: {}, idempotencyKey: null, parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null,
      take: 1, title: null, callbackUrl: null, first: undefined,
      snapshot: {
        id, flowName: IDLE_FLOW.name, flowHash: IDLE_FLOW.hash, word, inFlight: 0n, version: 1, attempts: {}, phase: TaskPhase.queued,
        status: taskStatus(IDLE_FLOW, word), error: null, parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null,
      },
    });
    await sql('UPDATE tasks SET phase = ?, updated_at = ? WHERE id = ?', [phase, new Date(Date.now() - minutesAgo * MINUTE_MS), id]);
    return id;
  }

  // Oldest first, the phases interleaved; the finished and the recent ones are never idle.
  const ids: Record<string, string> = {};
  before(async () => {
    ids.r50 = await task(TaskPhase.running, 50);
    ids.q40 = await task(TaskPhase.queued, 40);
    ids.q30 = await task(TaskPhase.queued, 30);
    ids.r20 = await task(TaskPhase.running, 20);
    ids.q10 = await task(TaskPhase.queued, 10);
    ids.done60 = await task(TaskPhase.completed, 60);
    ids.failed45 = await task(TaskPhase.failed, 45);
    ids.qNow = await task(TaskPhase.queued, 0);
  });

  const idle = async (limit: number, idleMs = MINUTE_MS) => (await store.findIdleTasks(idleMs, limit)).map((t) => t.id);

  it('returns the queued and running tasks not written for idleMs, oldest first across both phases', async () => {
    expect(await idle(100)).to.deep.equal([ids.r50, ids.q40, ids.q30, ids.r20, ids.q10]);
  });

  it('returns the oldest `limit` of them, whichever phase they are in', async () => {
    expect(await idle(1)).to.deep.equal([ids.r50]);
    expect(await idle(3)).to.deep.equal([ids.r50, ids.q40, ids.q30]);
    expect(await idle(4)).to.deep.equal([ids.r50, ids.q40, ids.q30, ids.r20]);
  });

  it('leaves out the tasks written within idleMs', async () => {
    expect(await idle(100, 35 * MINUTE_MS)).to.deep.equal([ids.r50, ids.q40]);
  });

  it('reads a few rows per phase beyond the limit, not every idle task', async () => {
    for (let i = 0; i < BACKLOG; i++) await task(i % 2 === 0 ? TaskPhase.queued : TaskPhase.running, 5);
    const limit = 3;
    const conn = await handle.pool.getConnection();
    try {
      const readsSoFar = async () => {
        const [rows] = await conn.query<Rows>(`SHOW SESSION STATUS LIKE 'Handler_read%'`);
        return rows.reduce((sum, r) => sum + Number(r.Value), 0);
      };
      const before = await readsSoFar();
      const found = await findIdleTasks(conn, MINUTE_MS, limit);
      const reads = (await readsSoFar()) - before;
      expect(found.map((t) => t.id)).to.deep.equal([ids.r50, ids.q40, ids.q30]);
      // Per phase: the index entries up to the limit, one more to see the range end, and the row lookups;
      // then the merged rows. A sort of the backlog reads over BACKLOG.
      expect(reads).to.be.below(10 * limit + 10);
    } finally {
      conn.release();
    }
  });
});
