/**
 * apply-write: the compare-and-swap every transition goes through, as a group-commit step (one
 * transaction and one round trip, shared with the other steps ready at the same moment). The writes of
 * a batch go together as multi-row statements (apply-writes); a write alone (the only one in its batch, or a
 * second write to a task already in the batch, which runs after the merged ones and so sees the first) is
 * written by the same statements with one row each:
 *   writes  tasks: word, in-flight set, attempts, phase, status, error, version+1
 *             — only WHERE id = ? AND version = <the version the plan read>
 *           component_runs: the finished attempts closed, and (rare) abandons, reopens and cancels (write-runs)
 *           events: one row holding the lifecycle events of the transition (the outbox)
 *           — every statement after the UPDATE runs only when it changed the row (the id in <tag>_ok), so a
 *             refused write writes nothing and the batch needs no second trip to decide
 *   locks   the task row (by the UPDATE), then the run rows it touches
 *   reads   with `carry`, after the commit, in one SELECT: whether it applied, the task row as it is now when
 *           it did not, the task's input and those outputs (read-carried); without, nothing: the UPDATE's
 *           count says whether it applied, and a refusal is left unread (the store reads the row)
 *   result  { applied: true, carried? }
 *           { applied: false, current }  the version moved (a writer whose lock had expired, or another
 *                  process, got there first): nothing written; the caller re-plans from `current`
 *           { applied: false, current, unconfirmed }  the same, in a batch sent again after its connection was
 *                  lost: the first send may have committed this write (see WriteOutcome)
 */
import type { TaskWrite } from '../../../core/engine/transitions.ts';
import type { BatchStep } from '../group-commit.ts';
import { applyWritesTogether, buildWrites, type WriteResult, type WriteToApply } from './apply-writes.ts';

export function applyWrite(w: TaskWrite, carry?: readonly string[]): BatchStep<WriteResult> {
  const payload: WriteToApply = { write: w, ...(carry ? { carry } : {}) };
  return {
    key: w.taskId,
    build: (tag) => {
      const built = buildWrites([payload], `${tag}_ok`);
      return { ...built, read: (results, after, resent) => built.read(results, after, resent)[0]! };
    },
    merge: { merger: applyWritesTogether, payload, identity: w.taskId },
  };
}
