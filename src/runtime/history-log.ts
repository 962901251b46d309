import { closeSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Answer, RejectReason, TaskWrite } from '../core/engine/transitions.ts';
import type { TaskSnapshot } from '../core/engine/task.ts';

/**
 * The history of one process, for the chaos history checker
 * (scripts/chaos/history/): each task it created, each answer handed to its
 * engine, each answer refused and each write applied, as JSON lines appended
 * to `SLOTFLOW_HISTORY_LOG`. One `write(2)` per line on a file opened for
 * appending, so the lines of several processes sharing the file never
 * interleave, and a line is on disk (in the page cache) before the call
 * returns: a process killed a moment later has lost none of it.
 *
 * Off (the default) it is `NO_HISTORY`, whose methods do nothing: the engine
 * pays one call per write.
 */

export interface HistoryCreated {
  kind: 'created';
  task: string;
  /** The row as written with the task (its first pass included). */
  version: number;
  word: string;
}

export interface HistoryAnswer {
  kind: 'answer';
  task: string;
  component: string;
  attempt: number;
  ok: boolean;
}

export interface HistoryRefused {
  kind: 'refused';
  task: string;
  component: string;
  attempt: number;
  reason: RejectReason;
}

export interface HistoryWrite {
  kind: 'write';
  task: string;
  versionBefore: number;
  versionAfter: number;
  /** Words as hex strings: JSON has no 64-bit integers. */
  wordBefore: string;
  wordAfter: string;
  phaseBefore: string;
  phaseAfter: string;
  /** Each component's current attempt on the row the write was planned on. */
  attemptsBefore: Record<string, number>;
  finishes: Array<{ component: string; attempt: number; status: string }>;
  starts: Array<{ component: string; attempt: number }>;
}

/**
 * A write whose outcome is not known: refused when its batch was sent again after the first send lost its
 * connection (a statement timed out, a link cut: that send may have committed it, and the refusal is by its own
 * result), or failed after its retries. The checker counts it only to fill a gap in a task's chain that it fits.
 */
export interface HistoryUnconfirmed extends Omit<HistoryWrite, 'kind'> {
  kind: 'unconfirmed';
}

export type HistoryEvent = HistoryCreated | HistoryAnswer | HistoryRefused | HistoryWrite | HistoryUnconfirmed;
/** A line of the file: the event, who wrote it and when. */
export type HistoryEntry = HistoryEvent & { at: number; process: string };

export interface HistoryLog {
  created(snap: TaskSnapshot): void;
  answer(answer: Answer): void;
  refused(answer: Answer, reason: RejectReason): void;
  applied(before: TaskSnapshot, write: TaskWrite): void;
  unconfirmed(before: TaskSnapshot, write: TaskWrite): void;
  close(): void;
}

export const NO_HISTORY: HistoryLog = {
  created() {},
  answer() {},
  refused() {},
  applied() {},
  unconfirmed() {},
  close() {},
};

export const hex = (word: bigint): string => `0x${word.toString(16)}`;

/** A history appended to `path`; the file is opened once, for appending, and made if missing. */
export function fileHistory(path: string): HistoryLog {
  const fd = openSync(path, 'a');
  const who = `${hostname()}:${process.pid}`;
  let open = true;
  const append = (event: HistoryEvent) => {
    if (open) writeSync(fd, `${JSON.stringify({ ...event, at: Date.now(), process: who })}\n`);
  };
  const write = (kind: 'write' | 'unconfirmed', before: TaskSnapshot, w: TaskWrite) => append({
    kind, task: w.taskId, versionBefore: w.expectedVersion, versionAfter: w.expectedVersion + 1,
    wordBefore: hex(before.word), wordAfter: hex(w.word), phaseBefore: before.phase, phaseAfter: w.phase,
    attemptsBefore: before.attempts,
    finishes: w.finishes.map((f) => ({ component: f.component, attempt: f.attempt, status: f.status })),
    starts: w.starts.map((s) => ({ component: s.component, attempt: s.attempt })),
  });
  return {
    created: (snap) => append({ kind: 'created', task: snap.id, version: snap.version, word: hex(snap.word) }),
    answer: (a) => append({ kind: 'answer', task: a.taskId, component: a.component, attempt: a.attempt, ok: a.ok }),
    refused: (a, reason) => append({ kind: 'refused', task: a.taskId, component: a.component, attempt: a.attempt, reason }),
    applied: (before, w) => write('write', before, w),
    unconfirmed: (before, w) => write('unconfirmed', before, w),
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

export function historyFromSettings(settings: { historyLog: string | undefined }): HistoryLog {
  return settings.historyLog ? fileHistory(settings.historyLog) : NO_HISTORY;
}
