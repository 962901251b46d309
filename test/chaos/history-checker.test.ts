import { expect } from 'chai';
import { checkHistory, type CheckedComponent, type FinalRow, type ProblemKind } from '../../scripts/chaos/history/checker.ts';
import type { HistoryEntry, HistoryWrite } from '../../src/runtime/history-log.ts';

/** Crafted histories of a two-component task: the checker must pass the right ones and name what is wrong in the others. */

const COMPONENTS: CheckedComponent[] = [
  { name: 'A', successBit: 0x1n, failBit: 0x2n },
  { name: 'B', successBit: 0x4n, failBit: 0x8n },
];
const T = 'task-1';
const at = 0;
const who = 'h:1';

const created = (word = '0x0', version = 2): HistoryEntry => ({ kind: 'created', task: T, version, word, at, process: who });
const answer = (component: string, attempt = 1, ok = true): HistoryEntry => ({ kind: 'answer', task: T, component, attempt, ok, at, process: who });
function write(versionBefore: number, wordBefore: string, wordAfter: string, finishes: HistoryWrite['finishes'], extra: Partial<HistoryWrite> = {}): HistoryEntry {
  return {
    kind: 'write', task: T, versionBefore, versionAfter: versionBefore + 1, wordBefore, wordAfter, phaseBefore: 'running', phaseAfter: 'running',
    attemptsBefore: { A: 1, B: 1 }, finishes, starts: [], at, process: who, ...extra,
  };
}
const ok = (component: string, attempt = 1) => ({ component, attempt, status: 'succeeded' });

function verdict(entries: HistoryEntry[], final: FinalRow = { word: 0x5n, phase: 'completed' }) {
  return checkHistory(entries, COMPONENTS, [T], new Map([[T, final]]));
}
const kinds = (entries: HistoryEntry[], final?: FinalRow): ProblemKind[] => verdict(entries, final).problems.map((p) => p.kind);

describe('chaos history checker', () => {
  it('passes a history where each answer was applied once and the word is their fold', () => {
    const v = verdict([created(), answer('A'), write(2, '0x0', '0x1', [ok('A')]), answer('B'), write(3, '0x1', '0x5', [ok('B')], { phaseAfter: 'completed' })]);
    expect(v.problems).to.deep.equal([]);
    expect(v.ok).to.equal(true);
  });

  it('passes two answers coalesced into one write, and counts a refused late answer as stale without failing', () => {
    const v = verdict([
      created(), answer('A'), answer('B'), write(2, '0x0', '0x5', [ok('A'), ok('B')]), answer('A'),
      { kind: 'refused', task: T, component: 'A', attempt: 1, reason: 'duplicate', at, process: who },
    ]);
    expect(v.ok, JSON.stringify(v.problems)).to.equal(true);
    expect(v.staleRefused).to.equal(1);
    expect(v.duplicateAnswers).to.equal(1);
  });

  it('a retried failure sets no bit; a final failure sets the failure bit', () => {
    const retry = write(2, '0x0', '0x0', [{ component: 'A', attempt: 1, status: 'failed' }], { starts: [{ component: 'A', attempt: 2 }] });
    expect(kinds([created(), answer('A', 1, false), retry, answer('A', 2), write(3, '0x0', '0x1', [ok('A', 2)], { attemptsBefore: { A: 2, B: 1 } }),
      answer('B'), write(4, '0x1', '0x5', [ok('B')])])).to.deep.equal([]);
    expect(kinds([created(), answer('A', 1, false), write(2, '0x0', '0x2', [{ component: 'A', attempt: 1, status: 'failed' }])], { word: 0x2n, phase: 'failed' }))
      .to.deep.equal([]);
  });

  it('fails a bit set twice', () => {
    expect(kinds([created(), answer('A'), write(2, '0x0', '0x1', [ok('A')]), write(3, '0x1', '0x1', [ok('A')]), answer('B'), write(4, '0x1', '0x5', [ok('B')])]))
      .to.include('set-twice');
  });

  it('fails a lost bit: an applied success whose bit the row no longer has', () => {
    const k = kinds([created(), answer('A'), write(2, '0x0', '0x1', [ok('A')]), answer('B'), write(3, '0x1', '0x4', [ok('B')])], { word: 0x4n, phase: 'completed' });
    expect(k).to.include('lost-bit');
    expect(k).to.include('fold-mismatch');
  });

  it('fails an accepted answer from an attempt that was not current', () => {
    const k = kinds([created(), answer('A'), write(2, '0x0', '0x1', [ok('A')], { attemptsBefore: { A: 2, B: 1 } }), answer('B'), write(3, '0x1', '0x5', [ok('B')])]);
    expect(k).to.deep.equal(['stale-accepted']);
  });

  it('takes an unconfirmed write (the answer to its commit lost, the batch refused when sent again) for the version no logged write covers', () => {
    const lost = { ...write(2, '0x0', '0x1', [ok('A')]), kind: 'unconfirmed' } as HistoryEntry;
    const refusedAgain: HistoryEntry = { kind: 'refused', task: T, component: 'A', attempt: 1, reason: 'duplicate', at, process: who };
    const v = verdict([created(), answer('A'), lost, refusedAgain, answer('B'), write(3, '0x1', '0x5', [ok('B')])]);
    expect(v.problems).to.deep.equal([]);
    expect(v.unconfirmed).to.equal(1);
    // Without it the same history has a gap.
    expect(kinds([created(), answer('A'), refusedAgain, answer('B'), write(3, '0x1', '0x5', [ok('B')])])).to.include('broken-chain');
  });

  it('ignores an unconfirmed write on a version a logged write covers, and still fails two logged writes on one version', () => {
    const same = { ...write(2, '0x0', '0x1', [ok('A')]), kind: 'unconfirmed', process: 'h:2' } as HistoryEntry;
    const v = verdict([created(), answer('A'), answer('A'), write(2, '0x0', '0x1', [ok('A')]), same, answer('B'), write(3, '0x1', '0x5', [ok('B')])]);
    expect(v.problems).to.deep.equal([]);
    expect(v.unconfirmed).to.equal(0);
    const other = { ...write(2, '0x0', '0x4', [ok('B')]), kind: 'unconfirmed' } as HistoryEntry;
    expect(kinds([created(), answer('A'), answer('B'), write(2, '0x0', '0x1', [ok('A')]), write(2, '0x0', '0x4', [ok('B')]), other])).to.include('broken-chain');
  });

  it('fails two writes applied on the same version (the compare-and-swap let both through)', () => {
    expect(kinds([created(), answer('A'), answer('B'), write(2, '0x0', '0x1', [ok('A')]), write(2, '0x0', '0x4', [ok('B')])])).to.include('broken-chain');
  });

  it('fails a final word with a bit no accepted answer explains, and a finish nobody answered', () => {
    expect(kinds([created(), answer('A'), write(2, '0x0', '0x1', [ok('A')])], { word: 0x5n, phase: 'completed' })).to.include('fold-mismatch');
    expect(kinds([created(), write(2, '0x0', '0x1', [ok('A')]), answer('B'), write(3, '0x1', '0x5', [ok('B')])])).to.deep.equal(['unanswered-finish']);
  });

  it('fails a task that did not reach a terminal state, and one nobody logged creating', () => {
    expect(kinds([created(), answer('A'), write(2, '0x0', '0x1', [ok('A')])], { word: 0x1n, phase: 'running' })).to.deep.equal(['not-terminal']);
    expect(kinds([answer('A')])).to.deep.equal(['missing-created']);
  });
});
