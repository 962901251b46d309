import { readFileSync } from 'node:fs';
import type { HistoryAnswer, HistoryCreated, HistoryEntry, HistoryUnconfirmed, HistoryWrite } from '../../../src/runtime/history-log.ts';

/**
 * The history checker: given what every process logged (SLOTFLOW_HISTORY_LOG,
 * src/runtime/history-log.ts) and the rows as they ended, it proves, task by
 * task:
 *
 *   chain       the applied writes form one line of versions from the row as created to the row as it ended:
 *               each starts on the version and word the one before left (two writes on one version mean the
 *               compare-and-swap let both through; a gap, a write nobody logged)
 *   once        each component's success was applied exactly once, and no write set a bit already set
 *   current     every accepted answer was for the attempt the row held for that component when it was planned
 *   answered    every applied finish has an answer some process handed its engine
 *   fold        the final word is the word as created with the bits of the accepted answers set, and nothing else
 *   terminal    every task ended completed, failed or cancelled
 *
 * An unconfirmed write (a write refused on a row exactly as it would have left it: its own commit whose answer
 * was lost, see history-log.ts) takes the place of a write only on a version no logged write starts from, and is
 * then judged as one; it never hides a second write on a version.
 *
 * A failure with a new attempt in the same write is a retry and sets no bit;
 * a failure without one is final and sets the component's failure bit.
 * Executions beyond one per attempt (the same attempt answered twice) are
 * counted, as are answers refused as stale or duplicate; they are not faults
 * by themselves, only what the fold and `once` allow through would be.
 */

export interface CheckedComponent {
  name: string;
  successBit: bigint;
  failBit: bigint;
}

export interface FinalRow {
  word: bigint;
  phase: string;
}

export type ProblemKind = 'not-terminal' | 'missing-created' | 'broken-chain' | 'set-twice' | 'stale-accepted' | 'unanswered-finish' | 'lost-bit' | 'fold-mismatch';

export interface Problem {
  kind: ProblemKind;
  task: string;
  detail: string;
}

export interface HistoryVerdict {
  ok: boolean;
  problems: Problem[];
  tasks: number;
  writes: number;
  answers: number;
  /** Answers beyond the first for one attempt: the same attempt ran again. */
  duplicateAnswers: number;
  /** Answers refused because their attempt was no longer current or was already answered. */
  staleRefused: number;
  refused: number;
  /** Unconfirmed writes that filled a version no logged write covered. */
  unconfirmed: number;
}

export const TERMINAL_PHASES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
const STALE_REASONS: ReadonlySet<string> = new Set(['stale-attempt', 'duplicate']);

export function readHistory(path: string): HistoryEntry[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as HistoryEntry);
}

const word = (hex: string): bigint => BigInt(hex);
const show = (w: bigint): string => `0x${w.toString(16)}`;

export function checkHistory(
  entries: readonly HistoryEntry[],
  components: readonly CheckedComponent[],
  tasks: readonly string[],
  finals: ReadonlyMap<string, FinalRow>,
): HistoryVerdict {
  const byName = new Map(components.map((c) => [c.name, c]));
  const created = new Map<string, HistoryCreated>();
  const writes = new Map<string, HistoryWrite[]>();
  const unconfirmed = new Map<string, HistoryUnconfirmed[]>();
  let filled = 0;
  const answers = new Map<string, number>();
  let refused = 0;
  let staleRefused = 0;
  let answerCount = 0;
  let writeCount = 0;
  const wanted = new Set(tasks);
  for (const e of entries) {
    // Several scenarios may share one file: only these tasks' entries count.
    if (!wanted.has(e.task)) continue;
    if (e.kind === 'created') created.set(e.task, e);
    else if (e.kind === 'write') {
      writeCount++;
      writes.set(e.task, [...(writes.get(e.task) ?? []), e]);
    } else if (e.kind === 'unconfirmed') {
      unconfirmed.set(e.task, [...(unconfirmed.get(e.task) ?? []), e]);
    } else if (e.kind === 'answer') {
      answerCount++;
      const key = attemptKey(e);
      answers.set(key, (answers.get(key) ?? 0) + 1);
    } else if (e.kind === 'refused') {
      refused++;
      if (STALE_REASONS.has(e.reason)) staleRefused++;
    }
  }
  const problems: Problem[] = [];
  for (const task of tasks) {
    const final = finals.get(task);
    const problem = (kind: ProblemKind, detail: string) => problems.push({ kind, task, detail });
    if (!final || !TERMINAL_PHASES.has(final.phase)) problem('not-terminal', `ended ${final?.phase ?? 'missing'}`);
    const start = created.get(task);
    if (!start) {
      problem('missing-created', 'no process logged creating it');
      continue;
    }
    const logged = [...(writes.get(task) ?? [])].sort((a, b) => a.versionBefore - b.versionBefore);
    // The first unconfirmed write of each version, used only where the chain has a gap it fits.
    const spare = new Map<number, HistoryUnconfirmed>();
    for (const u of unconfirmed.get(task) ?? []) if (!spare.has(u.versionBefore)) spare.set(u.versionBefore, u);
    let version = start.version;
    let current = word(start.word);
    let fold = current;
    const succeeded = new Map<string, number>();
    const walk = (w: HistoryWrite | HistoryUnconfirmed) => {
      if (w.versionBefore !== version || word(w.wordBefore) !== current) {
        problem('broken-chain', `write on version ${w.versionBefore} word ${w.wordBefore} follows version ${version} word ${show(current)}`);
      }
      const restarted = new Set(w.starts.map((s) => s.component));
      for (const f of w.finishes) {
        const c = byName.get(f.component);
        if (!c) continue;
        if (w.attemptsBefore[f.component] !== f.attempt) {
          problem('stale-accepted', `${f.component} attempt ${f.attempt} applied while attempt ${w.attemptsBefore[f.component] ?? 'none'} was current`);
        }
        if (!answers.has(attemptKey({ task, component: f.component, attempt: f.attempt }))) {
          problem('unanswered-finish', `${f.component} attempt ${f.attempt} ${f.status} applied without an answer`);
        }
        const bit = f.status === 'succeeded' ? c.successBit : f.status === 'failed' && !restarted.has(f.component) ? c.failBit : 0n;
        if (bit === 0n) continue;
        if ((word(w.wordBefore) & bit) !== 0n) problem('set-twice', `${f.component} ${f.status} applied on a word that had it already (${w.wordBefore})`);
        if (f.status === 'succeeded') succeeded.set(f.component, (succeeded.get(f.component) ?? 0) + 1);
        fold |= bit;
      }
      version = w.versionAfter;
      current = word(w.wordAfter);
    };
    const fill = (): boolean => {
      const u = spare.get(version);
      if (!u || word(u.wordBefore) !== current) return false;
      spare.delete(version);
      filled++;
      walk(u);
      return true;
    };
    for (const w of logged) {
      while (w.versionBefore > version && fill());
      walk(w);
    }
    while (final && final.word !== current && fill());
    for (const [component, n] of succeeded) if (n > 1) problem('set-twice', `${component} succeeded ${n} times`);
    if (!final) continue;
    if (final.word !== current) problem('broken-chain', `the row ended with word ${show(final.word)}, the last logged write left ${show(current)}`);
    for (const c of components) {
      if ((fold & c.successBit) !== 0n && (final.word & c.successBit) === 0n) problem('lost-bit', `${c.name} succeeded but its bit is clear in ${show(final.word)}`);
    }
    if (final.word !== fold) problem('fold-mismatch', `final word ${show(final.word)}, fold of the accepted answers ${show(fold)}`);
  }
  let duplicateAnswers = 0;
  for (const n of answers.values()) duplicateAnswers += n - 1;
  return {
    ok: problems.length === 0, problems, tasks: tasks.length, writes: writeCount, answers: answerCount, duplicateAnswers, staleRefused, refused,
    unconfirmed: filled,
  };
}

function attemptKey(a: Pick<HistoryAnswer, 'task' | 'component' | 'attempt'>): string {
  return `${a.task}/${a.component}/${a.attempt}`;
}

/** The first problems, one per line, for a failure message. */
export function problemsText(v: HistoryVerdict, max = 8): string {
  return v.problems.slice(0, max).map((p) => `${p.kind} ${p.task}: ${p.detail}`).join('\n') + (v.problems.length > max ? `\n… ${v.problems.length - max} more` : '');
}
