/**
 * apply-writes: the compare-and-swap of every transition in a group commit, written together as a few
 * multi-row statements whatever the number of tasks (see apply-write for one write alone, which does the same).
 *   locks   the task rows whose version is the one their plan read (one SELECT … FOR UPDATE, in id order);
 *           their ids go into <tag>_ok: these writes apply, the others are refused. Under the lock no other
 *           writer can move those versions before the commit, so the set is known in the same round trip.
 *   writes  tasks: word, in-flight set, attempts, phase, status, error, version+1 — one UPDATE of the rows in
 *             <tag>_ok, each still only WHERE (id, version) = (id, the version its plan read)
 *           component_runs: one UPDATE closing every finished attempt, one INSERT opening every new one;
 *             abandons, reopens and cancels (rare) one statement each (write-runs)
 *           events: one INSERT of the lifecycle events of every applied write (the outbox)
 *           — every statement touches only the tasks in <tag>_ok, so a refused write writes nothing
 *   reads   after the commit, in one SELECT: which writes applied, and the refused tasks as they are now;
 *           for the writes that ask, one more: their tasks' inputs and outputs to carry (read-carried)
 *   result  per write, in order: { applied: true } or { applied: false, current } (the caller re-plans from it),
 *           `unconfirmed` too when the batch was sent again after its connection was lost (see apply-write)
 */
import type { TaskWrite } from '../../../core/engine/transitions.ts';
import type { CarriedReads, WriteOutcome } from '../../../core/ports/task-state.ts';
import { json, parseJson, type Rows, type Statement } from '../connection.ts';
import type { BuiltStep, StepMerger } from '../group-commit.ts';
import { SNAPSHOT_COLUMNS, toSnapshot } from '../rows.ts';
import type { WriteToApply } from './apply-write.ts';
import { readCarried, toCarried } from './read-carried.ts';
import { writeRuns } from './write-runs.ts';


export const applyWritesTogether: StepMerger<WriteOutcome> = {
  build: (tag, payloads) => build(payloads as readonly WriteToApply[], `${tag}_ok`),
};

function build(toApply: readonly WriteToApply[], ok: string): BuiltStep<WriteOutcome[]> {
  const writes = toApply.map((a) => a.write);
  const carry = toApply.flatMap((a) => (a.carry ? [{ taskId: a.write.taskId, outputs: a.carry }] : []));
  const ids = writes.map((w) => w.taskId);
  const casPairs = writes.map(() => '(?, ?)').join(', ');
  const casValues = writes.flatMap((w) => [w.taskId, w.expectedVersion]);
  /** True for a row of a task whose write applies (`column` holds its id). */
  const applies = (column: string) => `JSON_CONTAINS(IFNULL(${ok}, '[]'), JSON_QUOTE(${column}))`;
  const byTask = (value: (w: TaskWrite) => unknown): [string, unknown[]] => [
    `CASE id ${writes.map(() => 'WHEN ? THEN ?').join(' ')} END`,
    writes.flatMap((w) => [w.taskId, value(w)]),
  ];
  const columns: Array<[string, (w: TaskWrite) => unknown]> = [
    ['slot_word', (w) => w.word.toString()],
    ['in_flight', (w) => w.inFlight.toString()],
    ['attempts', (w) => json(w.attempts)],
    ['phase', (w) => w.phase],
    ['status', (w) => w.status],
    ['error', (w) => (w.error ? json(w.error) : null)],
  ];
  const sets = columns.map(([, value]) => byTask(value));

  const statements: Statement[] = [
    [`SELECT JSON_ARRAYAGG(id) INTO ${ok} FROM tasks WHERE id IN (?) AND (id, version) IN (${casPairs}) FOR UPDATE`, [ids, ...casValues]],
    [
      `UPDATE tasks SET ${columns.map(([column], i) => `${column} = ${sets[i]![0]}`).join(', ')},
         version = version + 1, updated_at = UTC_TIMESTAMP(3)
       WHERE id IN (?) AND (id, version) IN (${casPairs}) AND ${applies('id')}`,
      [...sets.flatMap(([, values]) => values), ids, ...casValues],
    ],
  ];

  statements.push(...writeRuns(writes, { where: applies('task_id'), when: (w) => [applies('?'), [w.taskId]] }));
  const events = writes.flatMap((w) => w.events.map((e) => ({ taskId: w.taskId, e })));
  if (events.length > 0) {
    statements.push([
      `INSERT INTO events (task_id, type, slot_word, component, attempt, data, created_at)
       ${events.map(() => `SELECT ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3) FROM DUAL WHERE ${applies('?')}`).join(' UNION ALL ')}`,
      events.flatMap(({ taskId, e }) => [taskId, e.type, e.slotWord, e.component ?? null, e.attempt ?? null, e.data ? json(e.data) : null, taskId]),
    ]);
  }
  return {
    statements,
    after: [[
      // One row at least, so the applied set comes back even when no write was refused; a user variable comes
      // back as bytes, as text it parses as the JSON it is.
      `SELECT CAST(${ok} AS CHAR) AS sf_applied, ${SNAPSHOT_COLUMNS} FROM (SELECT 1 AS sf_one) AS one
       LEFT JOIN tasks ON tasks.id IN (?) AND NOT ${applies('tasks.id')}`,
      [ids],
    ], ...(carry.length > 0 ? [readCarried(carry, applies)] : [])],
    read(_results, after, resent): WriteOutcome[] {
      const rows = after[0] as Rows;
      const applied = new Set(parseJson<string[] | null>(rows[0]?.sf_applied ?? null) ?? []);
      const current = new Map(rows.filter((row) => row.id !== null).map((row) => [String(row.id), toSnapshot(row)]));
      const carried = carry.length > 0 ? toCarried(after[1] as Rows) : new Map<string, CarriedReads>();
      return writes.map((w) => {
        if (!applied.has(w.taskId)) return { applied: false, current: current.get(w.taskId), ...(resent ? { unconfirmed: true as const } : {}) };
        const read = carried.get(w.taskId);
        return read ? { applied: true, carried: read } : { applied: true };
      });
    },
  };
}
