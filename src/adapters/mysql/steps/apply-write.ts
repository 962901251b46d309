/**
 * apply-write: the compare-and-swap every transition goes through, as a group-commit step (one
 * transaction and one round trip, shared with the other steps ready at the same moment). The writes of
 * a batch go together as multi-row statements (apply-writes); this is one write alone: the only write
 * in its batch, or a second write to a task already in the batch (it runs after the merged ones, so it
 * sees the first).
 *   writes  tasks: word, in-flight set, attempts, phase, status, error, version+1
 *             — only WHERE id = ? AND version = <the version the plan read>
 *           component_runs: the finished attempts closed, the new ones opened, and (rare) abandons, reopens
 *             and cancels (write-runs)
 *           events: the lifecycle events of the transition (the outbox)
 *           — every statement after the CAS runs only when the CAS matched (<tag>_cas = 1), so a
 *             refused write writes nothing and the batch needs no second trip to decide
 *   locks   the task row (by the UPDATE), then the run rows it touches
 *   reads   right after the UPDATE, in one SELECT: whether it matched (ROW_COUNT(), kept in <tag>_cas)
 *           and the task row as committed now (what a refused write re-plans from)
 *           after the commit, with `carry`: the task's input and those outputs (read-carried)
 *   result  { applied: true, carried? }
 *           { applied: false, current }  the version moved (a writer whose lock had expired, or another
 *                  process, got there first): nothing written; the caller re-plans from `current`
 *           { applied: false, current, unconfirmed }  the same, in a batch sent again after its connection was
 *                  lost: the first send may have committed this write (see WriteOutcome)
 */
import type { TaskWrite } from '../../../core/engine/transitions.ts';
import type { WriteOutcome } from '../../../core/ports/task-state.ts';
import { json, type ResultSetHeader, type Rows, type Statement } from '../connection.ts';
import type { BatchStep } from '../group-commit.ts';
import { SNAPSHOT_COLUMNS, toSnapshot } from '../rows.ts';
import { applyWritesTogether } from './apply-writes.ts';
import { readCarried, toCarried } from './read-carried.ts';
import { writeRuns } from './write-runs.ts';


/** A write, and the outputs to read back for the jobs it starts (see read-carried); none: read nothing back. */
export interface WriteToApply {
  write: TaskWrite;
  carry?: readonly string[];
}

export function applyWrite(w: TaskWrite, carry?: readonly string[]): BatchStep<WriteOutcome> {
  const payload: WriteToApply = { write: w, ...(carry ? { carry } : {}) };
  return { key: w.taskId, build: (tag) => build(w, carry, `${tag}_cas`), merge: { merger: applyWritesTogether, payload, identity: w.taskId } };
}

function build(w: TaskWrite, carry: readonly string[] | undefined, cas: string) {
  const statements: Statement[] = [
    [
      `UPDATE tasks SET slot_word = ?, in_flight = ?, attempts = ?, phase = ?, status = ?, error = ?,
         version = version + 1, updated_at = UTC_TIMESTAMP(3)
       WHERE id = ? AND version = ?`,
      [w.word.toString(), w.inFlight.toString(), json(w.attempts), w.phase, w.status, w.error ? json(w.error) : null,
        w.taskId, w.expectedVersion],
    ],
    // ROW_COUNT() is the UPDATE's; the derived table gives one row even when the task is gone, so <cas> is always set.
    [`SELECT (${cas} := rc.n) AS sf_cas, ${SNAPSHOT_COLUMNS} FROM (SELECT ROW_COUNT() AS n) AS rc LEFT JOIN tasks ON tasks.id = ?`, [w.taskId]],
  ];
  statements.push(...writeRuns([w], { where: `${cas} = 1`, when: () => [`${cas} = 1`, []] }));
  if (w.events.length > 0) {
    statements.push([
      `INSERT INTO events (task_id, type, slot_word, component, attempt, data, created_at)
       ${w.events.map(() => `SELECT ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3) FROM DUAL WHERE ${cas} = 1`).join(' UNION ALL ')}`,
      w.events.flatMap((e) => [w.taskId, e.type, e.slotWord, e.component ?? null, e.attempt ?? null, e.data ? json(e.data) : null]),
    ]);
  }
  return {
    statements,
    after: carry ? [readCarried([{ taskId: w.taskId, outputs: carry }], () => `${cas} = 1`)] : [],
    read(results: unknown[], after: unknown[], resent: boolean): WriteOutcome {
      if ((results[0] as ResultSetHeader).affectedRows === 1) {
        const carried = carry ? toCarried(after[0] as Rows).get(w.taskId) : undefined;
        return carried ? { applied: true, carried } : { applied: true };
      }
      const row = (results[1] as Rows)[0];
      return { applied: false, current: row && row.id !== null ? toSnapshot(row) : undefined, ...(resent ? { unconfirmed: true as const } : {}) };
    },
  };
}
