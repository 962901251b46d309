/**
 * apply-writes: the compare-and-swap of every transition in a group commit, written together as a few
 * multi-row statements whatever the number of tasks (apply-write, one write alone, goes the same way).
 *   writes  tasks: word, in-flight set, attempts, phase, status, error, version+1 — one UPDATE, each row only
 *             WHERE (id, version) = (id, the version its plan read); the same UPDATE appends the id of every
 *             row it changes to <tag>_ok (in its SET list), so the writes that applied are known from it
 *           component_runs: one upsert closing every finished attempt; abandons (one upsert), reopens and
 *             cancels (rare, one statement each) (write-runs)
 *           events: one INSERT of a row per applied write holding its lifecycle events, in order (the outbox;
 *             a write with more than a row holds gets several, see event-rows.ts)
 *           — every statement after the UPDATE touches only the tasks in <tag>_ok, so a refused write writes
 *             nothing
 *   locks   the task rows the UPDATE changes (in id order), then the run rows; the compare-and-swap on the
 *           version is what decides, as the UPDATE evaluates it on the row it locks
 *   reads   after the commit, in one SELECT: which writes applied (<tag>_ok), the refused tasks as they are
 *           now, and for the writes that ask, their tasks' inputs and outputs to carry (read-carried); none
 *           for one write alone that carries nothing: the UPDATE's count says whether it applied
 *   result  per write, in order: { applied: true, carried? } or { applied: false, current } (the caller
 *           re-plans from it), or an unread refusal for that lone write (the caller reads the row); a refusal
 *           is `unconfirmed` too when the batch was sent again after its connection was lost (see apply-write)
 *
 * <tag>_ok is a session variable, declared when the session opens (COMMIT_VARIABLES_SQL: the appends need it
 * to exist before the UPDATE starts). It outlives the batch on its pooled connection, and a batch that failed
 * and is sent again may have set it in the try that was rolled back: so it is a JSON array whose first element
 * is a token drawn anew each time the statements are built, and it counts only with that token.
 */
import { randomBytes } from 'node:crypto';
import type { TaskWrite } from '../../../core/engine/transitions.ts';
import { packEvents } from '../../../core/ports/event-rows.ts';
import type { CarriedReads, WriteOutcome } from '../../../core/ports/task-state.ts';
import { json, parseJson, type ResultSetHeader, type Rows, type Statement } from '../connection.ts';
import type { BuiltStep, StepMerger } from '../group-commit.ts';
import { SNAPSHOT_COLUMNS, toSnapshot } from '../rows.ts';
import { carriedParts, toCarried } from './read-carried.ts';
import { writeRuns } from './write-runs.ts';

/** A write, and the outputs to read back for the jobs it starts (see read-carried); none: read nothing back. */
export interface WriteToApply {
  write: TaskWrite;
  carry?: readonly string[];
}

/** A refused write whose current row was not read: the caller reads it (see `WriteResult`). */
export interface UnreadRefusal {
  applied: false;
  unread: true;
  /** As in WriteOutcome: the batch was sent again after its connection was lost. */
  unconfirmed?: true;
}

/** What the step gives: an outcome, or a refusal whose row is still to be read. */
export type WriteResult = WriteOutcome | UnreadRefusal;

export const applyWritesTogether: StepMerger<WriteResult> = {
  build: (tag, payloads) => buildWrites(payloads as readonly WriteToApply[], `${tag}_ok`),
};

/** The snapshot columns as NULLs, for the parts of the read after the commit that are not task rows. */
const NO_SNAPSHOT = SNAPSHOT_COLUMNS.split(', ').map(() => 'NULL').join(', ');

export function buildWrites(toApply: readonly WriteToApply[], ok: string): BuiltStep<WriteResult[]> {
  const writes = toApply.map((a) => a.write);
  const carry = toApply.flatMap((a) => (a.carry ? [{ taskId: a.write.taskId, outputs: a.carry }] : []));
  const ids = writes.map((w) => w.taskId);
  const token = `sf:${randomBytes(8).toString('hex')}`;
  /** <ok> when this try set it, else an empty set. */
  const okSet = `IF(JSON_VALUE(${ok}, '$[0]') <=> '${token}', ${ok}, JSON_ARRAY('${token}'))`;
  const casPairs = writes.map(() => '(?, ?)').join(', ');
  const casValues = writes.flatMap((w) => [w.taskId, w.expectedVersion]);
  /** True for a row of a task whose write applies (`column` holds its id). */
  const applies = (column: string) => `JSON_CONTAINS(${okSet}, JSON_QUOTE(${column}))`;
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
    [
      // The SET list is evaluated once per row changed, and only for those: the appends are the applied set.
      `UPDATE tasks SET ${columns.map(([column], i) => `${column} = ${sets[i]![0]}`).join(', ')}, version = version + 1,
         updated_at = IF((${ok} := JSON_ARRAY_APPEND(${okSet}, '$', id)) IS NULL, NULL, UTC_TIMESTAMP(3))
       WHERE id IN (?) AND (id, version) IN (${casPairs})`,
      [...sets.flatMap(([, values]) => values), ids, ...casValues],
    ],
  ];

  statements.push(...writeRuns(writes, { where: applies('task_id'), when: (w) => [applies('?'), [w.taskId]] }));
  const rows = writes.flatMap((w) => packEvents(w.events).map((items) => ({ taskId: w.taskId, items })));
  if (rows.length > 0) {
    statements.push([
      // From the task's row (locked by the UPDATE above): whether the events are the outbox's to post.
      `INSERT INTO events (task_id, items, event_count, deliver, created_at)
       ${rows.map(() => `SELECT id, ?, ?, callback_url IS NOT NULL, UTC_TIMESTAMP(3) FROM tasks WHERE id = ? AND ${applies('id')}`).join(' UNION ALL ')}`,
      rows.flatMap(({ taskId, items }) => [json(items), items.length, taskId]),
    ]);
  }
  // One SELECT after the commit: the applied set (always one row: a user variable comes back as bytes, as text it
  // parses as the JSON it is), the refused tasks as they are now, what the applied ones' jobs carry.
  const parts: Statement[] = [
    [`SELECT 'applied' AS sf_kind, CAST(${okSet} AS CHAR) AS sf_task, NULL AS sf_component,
        0 AS sf_attempt, NULL AS sf_value, ${SNAPSHOT_COLUMNS.split(', ').map((c) => `NULL AS ${c}`).join(', ')}`, []],
    [`SELECT 'refused', id, NULL, 0, NULL, ${SNAPSHOT_COLUMNS} FROM tasks WHERE id IN (?) AND NOT ${applies('id')}`, [ids]],
    ...(carry.length > 0 ? carriedParts(carry, applies, NO_SNAPSHOT) : []),
  ];
  if (writes.length === 1 && carry.length === 0) {
    // One write that reads nothing back: the UPDATE's count says whether it applied (its row always changes:
    // version+1), and a refusal, rare, reads the row afterwards instead.
    return {
      statements,
      read: (results, _after, resent) => [
        (results[0] as ResultSetHeader).affectedRows === 1 ? { applied: true } : { applied: false, unread: true, ...(resent ? { unconfirmed: true as const } : {}) },
      ],
    };
  }
  return {
    statements,
    after: [[`${parts.map(([sql]) => sql).join('\n       UNION ALL ')}\n       ORDER BY sf_attempt`, parts.flatMap(([, values]) => values)]],
    read(results, after, resent): WriteOutcome[] {
      const rows = after[0] as Rows;
      const applied = new Set(parseJson<string[]>(rows.find((r) => r.sf_kind === 'applied')!.sf_task).slice(1));
      // Every row the UPDATE matched it changed (version+1): a set of another size is a defect, never a refusal.
      const changed = (results[0] as ResultSetHeader).affectedRows;
      if (changed !== applied.size) throw new Error(`apply-writes: the UPDATE changed ${changed} task rows but recorded ${applied.size}`);
      const current = new Map(rows.filter((r) => r.sf_kind === 'refused').map((row) => [String(row.id), toSnapshot(row)]));
      const carried = carry.length > 0 ? toCarried(rows) : new Map<string, CarriedReads>();
      return writes.map((w) => {
        if (!applied.has(w.taskId)) return { applied: false, current: current.get(w.taskId), ...(resent ? { unconfirmed: true as const } : {}) };
        const read = carried.get(w.taskId);
        return read ? { applied: true, carried: read } : { applied: true };
      });
    },
  };
}
