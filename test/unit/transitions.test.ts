import { expect } from 'chai';
import { type TaskError, TaskPhase, type TaskSnapshot } from '../../src/core/engine/task.ts';
import {
  type Answer, MAX_RETRY_AFTER_MS, planAnswer, planAnswers, planCancel, planDispatch, planRestart, planResume, planResumeFanOut,
  type Rejection, retryDelay, snapshotAfter, type TaskWrite,
} from '../../src/core/engine/transitions.ts';
import { type CompiledFlow, compileFlow } from '../../src/core/flow/compile.ts';
import type { SlotState } from '../../src/core/slot.ts';
import { componentState, encode } from '../../src/core/word.ts';

/**
 * Every planning function, one table each: a row names the situation (flow,
 * word, in-flight components, attempts, the answer or request) and the whole
 * write it must plan, read back in component names so a row can be checked
 * by eye. Nothing here touches a store: these are the rules both back ends
 * apply.
 */

/** Fetch, then Left and Right side by side, joined by Join; Extra is a when-branch (skipped unless asked for) that AfterExtra follows. */
const main = compileFlow({
  flow: 'main',
  modules: [
    {
      module_name: 'Prepare', status: 'preparing', next_status: 'prepared',
      components: [{ component_name: 'Fetch', slot_index: 0, depends: [], handler: 'h.fetch', retry: { attempts: 3, backoff_ms: 100 } }],
    },
    {
      module_name: 'Build', status: 'building', next_status: 'done',
      components: [
        { component_name: 'Left', slot_index: 1, depends: ['Fetch'], handler: 'h.left' },
        { component_name: 'Right', slot_index: 2, depends: ['Fetch'], handler: 'h.right' },
        { component_name: 'Join', slot_index: 3, depends: ['Left', 'Right'], handler: 'h.join' },
        { component_name: 'Extra', slot_index: 4, depends: ['Fetch'], handler: 'h.extra', when: { 'options.extra': true } },
        { component_name: 'AfterExtra', slot_index: 5, depends: ['Fetch', 'Extra'], handler: 'h.after' },
      ],
    },
  ],
});

/** A script a person approves, an external service called back, a fan-out over the script's scenes. */
const kinds = compileFlow({
  flow: 'kinds',
  modules: [{
    module_name: 'Work', status: 'working', next_status: 'done',
    components: [
      { component_name: 'Script', slot_index: 0, depends: [], handler: 'h.script' },
      { component_name: 'Approve', slot_index: 1, depends: ['Script'], kind: 'approval' },
      { component_name: 'Ext', slot_index: 2, depends: ['Approve'], kind: 'callback', params: { url: '/x' }, retry: { attempts: 2, backoff_ms: 50 } },
      { component_name: 'Scenes', slot_index: 3, depends: ['Script'], kind: 'fanout', fan_out: { flow: 'scene', over: 'Script.scenes' } },
      { component_name: 'Final', slot_index: 4, depends: ['Ext', 'Scenes'], handler: 'h.final' },
    ],
  }],
});

/** Half of the spread: a retry's delay is then exactly 1.1 × backoff × 2^(attempt-1). */
const jitter = () => 0.5;

interface Situation {
  word?: Record<string, SlotState>;
  inFlight?: string[];
  attempts?: Record<string, number>;
  phase?: TaskPhase;
  status?: string;
  error?: TaskError | null;
}

const VERSION = 7;

function snap(flow: CompiledFlow, s: Situation): TaskSnapshot {
  return {
    id: 't1', flowName: flow.name, flowHash: flow.hash,
    word: encode(flow, s.word ?? {}),
    inFlight: (s.inFlight ?? []).reduce((m, n) => m | flow.byName.get(n)!.successBit, 0n),
    version: VERSION,
    attempts: s.attempts ?? {},
    phase: s.phase ?? TaskPhase.running,
    status: s.status ?? 'preparing',
    parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null,
    error: s.error ?? null,
  };
}

/** A write read back by name: every field of `TaskWrite` is in here, so a row checks the whole write. */
interface Planned {
  word: Record<string, SlotState>;
  inFlight: string[];
  attempts: Record<string, number>;
  phase: TaskPhase;
  status: string;
  error: string | null;
  finishes: string[];
  abandons: string[];
  reopen?: string;
  starts: string[];
  events: string[];
}

function read(flow: CompiledFlow, w: TaskWrite): Planned {
  expect(w.taskId).to.equal('t1');
  expect(w.expectedVersion, 'a write is conditional on the version it was planned from').to.equal(VERSION);
  // Each event carries the word its own change left; the last one's is the write's.
  if (w.events.length > 0) expect(w.events.at(-1)!.slotWord, 'the last event carries the word after the write').to.equal(w.word.toString());
  const word: Record<string, SlotState> = {};
  for (const c of flow.components) if (componentState(w.word, c) !== 'pending') word[c.name] = componentState(w.word, c);
  return {
    word,
    inFlight: flow.components.filter((c) => (w.inFlight & c.successBit) !== 0n).map((c) => c.name),
    attempts: w.attempts,
    phase: w.phase,
    status: w.status,
    error: w.error && `${w.error.component}#${w.error.attempt} ${w.error.code ?? w.error.name}: ${w.error.message}`,
    finishes: w.finishes.map((f) => `${f.component}#${f.attempt} ${f.status}${f.cached ? ' cached' : ''}${f.error ? ` (${f.error.message})` : ''}`),
    abandons: w.abandons.map((r) => `${r.component}#${r.attempt}`),
    ...(w.reopen ? { reopen: `${w.reopen.component}#${w.reopen.attempt}` } : {}),
    starts: w.starts.map((s) => `${s.component}#${s.attempt} ${s.kind} ${s.handler || '(no queue)'} +${s.delayMs}ms`),
    events: w.events.map((e) => {
      const { error: _error, ...data } = e.data ?? {};
      const extra = Object.keys(data).length > 0 ? ` ${JSON.stringify(data)}` : '';
      return `${e.type}${e.component ? ` ${e.component}` : ''}${e.attempt !== undefined ? `#${e.attempt}` : ''}${extra}`;
    }),
  };
}

/** The expectation of a row: what differs from "nothing changed, nothing opened". */
function expected(s: Situation, change: Partial<Planned>): Planned {
  return {
    word: s.word ?? {},
    inFlight: s.inFlight ?? [],
    attempts: s.attempts ?? {},
    phase: s.phase ?? TaskPhase.running,
    status: s.status ?? 'preparing',
    error: null,
    finishes: [],
    abandons: [],
    starts: [],
    events: [],
    ...change,
  };
}

const ok = (component: string, attempt: number, extra: { cached?: boolean } = {}): Answer =>
  ({ taskId: 't1', component, attempt, ok: true, output: { from: component }, ...extra });
const failed = (component: string, attempt: number, retryable: boolean, retryAfterMs?: number): Answer => ({
  taskId: 't1', component, attempt, ok: false,
  error: { name: 'HandlerError', message: `${component} broke`, code: 'it-broke', retryable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
});

function isRejection(x: TaskWrite | Rejection | undefined): x is Rejection {
  return x !== undefined && 'rejected' in x;
}

// Situations several tables share.
const fetching: Situation = { word: { Extra: 'skipped' }, inFlight: ['Fetch'], attempts: { Fetch: 1 } };
const building: Situation = {
  word: { Fetch: 'succeeded', Extra: 'skipped' }, inFlight: ['Left', 'Right', 'AfterExtra'],
  attempts: { Fetch: 1, Left: 1, Right: 1, AfterExtra: 1 }, status: 'building',
};
const leftFailed: Situation = {
  word: { Fetch: 'succeeded', Left: 'failed', Right: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' },
  attempts: { Fetch: 1, Left: 1, Right: 1, AfterExtra: 1 }, phase: TaskPhase.failed, status: 'failed',
  error: { component: 'Left', attempt: 1, name: 'HandlerError', message: 'Left broke', code: 'it-broke' },
};

describe('transitions: planDispatch', () => {
  const rows: Array<{ name: string; flow?: CompiledFlow; given: Situation; then: Partial<Planned> | undefined }> = [
    {
      name: 'claims the root of a new task as its first attempt and marks the task running',
      given: { word: { Extra: 'skipped' }, phase: TaskPhase.queued },
      then: {
        inFlight: ['Fetch'], attempts: { Fetch: 1 }, phase: TaskPhase.running,
        starts: ['Fetch#1 job h.fetch +0ms'], events: ['started'],
      },
    },
    {
      name: 'claims nothing that is already in flight, and so writes nothing',
      given: fetching,
      then: undefined,
    },
    {
      name: 'claims every dependent of a succeeded slot, and the dependent of a skipped branch',
      given: { word: { Fetch: 'succeeded', Extra: 'skipped' }, attempts: { Fetch: 1 }, status: 'building' },
      then: {
        inFlight: ['Left', 'Right', 'AfterExtra'], attempts: { Fetch: 1, Left: 1, Right: 1, AfterExtra: 1 },
        starts: ['Left#1 job h.left +0ms', 'Right#1 job h.right +0ms', 'AfterExtra#1 job h.after +0ms'],
      },
    },
    {
      name: 'claims a component dispatched before as its next attempt',
      given: { word: { Fetch: 'succeeded', Left: 'succeeded', Right: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' }, attempts: { Fetch: 1, Join: 2 }, status: 'building' },
      then: { inFlight: ['Join'], attempts: { Fetch: 1, Join: 3 }, starts: ['Join#3 job h.join +0ms'] },
    },
    {
      name: 'keeps claiming an independent branch after another branch failed',
      given: { word: { Fetch: 'succeeded', Left: 'failed', Extra: 'skipped' }, inFlight: ['Right'], attempts: { Fetch: 1, Left: 1, Right: 1 }, status: 'failed' },
      then: { inFlight: ['Right', 'AfterExtra'], attempts: { Fetch: 1, Left: 1, Right: 1, AfterExtra: 1 }, starts: ['AfterExtra#1 job h.after +0ms'] },
    },
    {
      name: 'completes a task whose every slot succeeded or was skipped, with the last module\'s next status',
      given: { word: { Fetch: 'succeeded', Left: 'succeeded', Right: 'succeeded', Join: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' }, status: 'building' },
      then: { phase: TaskPhase.completed, status: 'done', events: ['completed'] },
    },
    {
      name: 'fails a task when a failed slot leaves nothing runnable and nothing in flight',
      given: { word: { Fetch: 'failed' }, status: 'preparing' },
      then: { phase: TaskPhase.failed, status: 'failed', events: ['failed'] },
    },
    {
      name: 'claims an approval gate without a queue, and a fan-out on the engine\'s fan-out queue',
      flow: kinds,
      given: { word: { Script: 'succeeded' }, attempts: { Script: 1 }, status: 'working' },
      then: {
        inFlight: ['Approve', 'Scenes'], attempts: { Script: 1, Approve: 1, Scenes: 1 },
        starts: ['Approve#1 approval (no queue) +0ms', 'Scenes#1 fanout slotflow.fanout +0ms'],
      },
    },
    {
      name: 'claims a callback on the engine\'s callback queue',
      flow: kinds,
      given: { word: { Script: 'succeeded', Approve: 'succeeded', Scenes: 'succeeded' }, attempts: { Script: 1, Approve: 1, Scenes: 1 }, status: 'working' },
      then: { inFlight: ['Ext'], attempts: { Script: 1, Approve: 1, Scenes: 1, Ext: 1 }, starts: ['Ext#1 callback slotflow.callback +0ms'] },
    },
    ...[TaskPhase.completed, TaskPhase.failed, TaskPhase.cancelled].map((phase) => ({
      name: `writes nothing for a ${phase} task, even with work runnable`,
      given: { word: { Extra: 'skipped' as const }, phase },
      then: undefined,
    })),
  ];
  for (const row of rows) {
    it(row.name, () => {
      const flow = row.flow ?? main;
      const write = planDispatch(flow, snap(flow, row.given));
      if (row.then === undefined) expect(write).to.equal(undefined);
      else expect(write && read(flow, write)).to.deep.equal(expected(row.given, row.then));
    });
  }
});

describe('transitions: planAnswer', () => {
  const rows: Array<{ name: string; flow?: CompiledFlow; given: Situation; answer: Answer; then: Partial<Planned> | Rejection }> = [
    {
      name: 'flips a success and claims, in the same write, every dependent it made runnable',
      given: fetching,
      answer: ok('Fetch', 1),
      then: {
        word: { Fetch: 'succeeded', Extra: 'skipped' }, inFlight: ['Left', 'Right', 'AfterExtra'],
        attempts: { Fetch: 1, Left: 1, Right: 1, AfterExtra: 1 }, status: 'building',
        finishes: ['Fetch#1 succeeded'],
        starts: ['Left#1 job h.left +0ms', 'Right#1 job h.right +0ms', 'AfterExtra#1 job h.after +0ms'],
        events: ['component.succeeded Fetch#1'],
      },
    },
    {
      name: 'records an output reused from an earlier run as cached',
      given: { ...building, inFlight: ['Right'], word: { Fetch: 'succeeded', Left: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' } },
      answer: ok('Right', 1, { cached: true }),
      then: {
        word: { Fetch: 'succeeded', Left: 'succeeded', Right: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' },
        inFlight: ['Join'], attempts: { ...building.attempts, Join: 1 },
        finishes: ['Right#1 succeeded cached'], starts: ['Join#1 job h.join +0ms'], events: ['component.succeeded Right#1'],
      },
    },
    {
      name: 'keeps a retryable failure with attempts left pending and in flight, and opens the next attempt after its backoff',
      given: fetching,
      answer: failed('Fetch', 1, true),
      then: {
        attempts: { Fetch: 2 }, finishes: ['Fetch#1 failed (Fetch broke)'], starts: ['Fetch#2 job h.fetch +110ms'],
        events: ['progress Fetch#1 {"retry":{"next":2,"delay_ms":110}}'],
      },
    },
    {
      name: 'doubles the backoff for the next retry',
      given: { ...fetching, attempts: { Fetch: 2 } },
      answer: failed('Fetch', 2, true),
      then: {
        attempts: { Fetch: 3 }, finishes: ['Fetch#2 failed (Fetch broke)'], starts: ['Fetch#3 job h.fetch +220ms'],
        events: ['progress Fetch#2 {"retry":{"next":3,"delay_ms":220}}'],
      },
    },
    {
      name: 'waits the longer Retry-After a failure asks for instead of the backoff',
      given: fetching,
      answer: failed('Fetch', 1, true, 2000),
      then: {
        attempts: { Fetch: 2 }, finishes: ['Fetch#1 failed (Fetch broke)'], starts: ['Fetch#2 job h.fetch +2000ms'],
        events: ['progress Fetch#1 {"retry":{"next":2,"delay_ms":2000}}'],
      },
    },
    {
      name: 'caps a Retry-After past MAX_RETRY_AFTER_MS, so a provider cannot park a task for days',
      given: fetching,
      answer: failed('Fetch', 1, true, 86_400_000),
      then: {
        attempts: { Fetch: 2 }, finishes: ['Fetch#1 failed (Fetch broke)'], starts: [`Fetch#2 job h.fetch +${MAX_RETRY_AFTER_MS}ms`],
        events: [`progress Fetch#1 {"retry":{"next":2,"delay_ms":${MAX_RETRY_AFTER_MS}}}`],
      },
    },
    {
      name: 'fails the slot and the task when a retryable failure has no attempts left',
      given: { ...fetching, attempts: { Fetch: 3 } },
      answer: failed('Fetch', 3, true),
      then: {
        word: { Fetch: 'failed', Extra: 'skipped' }, inFlight: [], attempts: { Fetch: 3 }, phase: TaskPhase.failed, status: 'failed',
        error: 'Fetch#3 it-broke: Fetch broke', finishes: ['Fetch#3 failed (Fetch broke)'],
        events: ['component.failed Fetch#3', 'failed'],
      },
    },
    {
      name: 'fails at once an error that retrying cannot fix, attempts left or not',
      given: fetching,
      answer: failed('Fetch', 1, false),
      then: {
        word: { Fetch: 'failed', Extra: 'skipped' }, inFlight: [], phase: TaskPhase.failed, status: 'failed',
        error: 'Fetch#1 it-broke: Fetch broke', finishes: ['Fetch#1 failed (Fetch broke)'],
        events: ['component.failed Fetch#1', 'failed'],
      },
    },
    {
      name: 'fails one branch and lets the task run on while another is in flight',
      given: building,
      answer: failed('Left', 1, true),
      then: {
        word: { Fetch: 'succeeded', Left: 'failed', Extra: 'skipped' }, inFlight: ['Right', 'AfterExtra'], status: 'failed',
        error: 'Left#1 it-broke: Left broke', finishes: ['Left#1 failed (Left broke)'], events: ['component.failed Left#1'],
      },
    },
    {
      name: 'fails the task when the last answer in flight leaves only a failed branch',
      given: { ...building, word: { Fetch: 'succeeded', Left: 'failed', Extra: 'skipped', AfterExtra: 'succeeded' }, inFlight: ['Right'], status: 'failed' },
      answer: ok('Right', 1),
      then: {
        word: { Fetch: 'succeeded', Left: 'failed', Right: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' }, inFlight: [],
        phase: TaskPhase.failed, status: 'failed', finishes: ['Right#1 succeeded'], events: ['component.succeeded Right#1', 'failed'],
      },
    },
    {
      name: 'completes the task with the last success',
      given: { word: { Fetch: 'succeeded', Left: 'succeeded', Right: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' }, inFlight: ['Join'], attempts: { Join: 1 }, status: 'building' },
      answer: ok('Join', 1),
      then: {
        word: { Fetch: 'succeeded', Left: 'succeeded', Right: 'succeeded', Join: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' },
        inFlight: [], phase: TaskPhase.completed, status: 'done', finishes: ['Join#1 succeeded'], events: ['component.succeeded Join#1', 'completed'],
      },
    },
    {
      name: 'opens the callback when a person approves the gate',
      flow: kinds,
      given: { word: { Script: 'succeeded' }, inFlight: ['Approve', 'Scenes'], attempts: { Script: 1, Approve: 1, Scenes: 1 }, status: 'working' },
      answer: ok('Approve', 1),
      then: {
        word: { Script: 'succeeded', Approve: 'succeeded' }, inFlight: ['Ext', 'Scenes'], attempts: { Script: 1, Approve: 1, Scenes: 1, Ext: 1 },
        finishes: ['Approve#1 succeeded'], starts: ['Ext#1 callback slotflow.callback +0ms'], events: ['component.succeeded Approve#1'],
      },
    },
    {
      name: 'fails the gate for good when a person rejects it, and keeps the fan-out in flight',
      flow: kinds,
      given: { word: { Script: 'succeeded' }, inFlight: ['Approve', 'Scenes'], attempts: { Script: 1, Approve: 1, Scenes: 1 }, status: 'working' },
      answer: failed('Approve', 1, false),
      then: {
        word: { Script: 'succeeded', Approve: 'failed' }, inFlight: ['Scenes'], status: 'failed',
        error: 'Approve#1 it-broke: Approve broke', finishes: ['Approve#1 failed (Approve broke)'], events: ['component.failed Approve#1'],
      },
    },
    {
      name: 'retries a failed callback on the callback queue after its backoff',
      flow: kinds,
      given: { word: { Script: 'succeeded', Approve: 'succeeded', Scenes: 'succeeded' }, inFlight: ['Ext'], attempts: { Script: 1, Approve: 1, Scenes: 1, Ext: 1 }, status: 'working' },
      answer: failed('Ext', 1, true),
      then: {
        attempts: { Script: 1, Approve: 1, Scenes: 1, Ext: 2 }, finishes: ['Ext#1 failed (Ext broke)'],
        starts: ['Ext#2 callback slotflow.callback +55ms'], events: ['progress Ext#1 {"retry":{"next":2,"delay_ms":55}}'],
      },
    },
    { name: 'rejects an answer from an earlier attempt', given: { ...fetching, attempts: { Fetch: 2 } }, answer: ok('Fetch', 1), then: { rejected: 'stale-attempt' } },
    { name: 'rejects a failure from an earlier attempt too', given: { ...fetching, attempts: { Fetch: 3 } }, answer: failed('Fetch', 2, true), then: { rejected: 'stale-attempt' } },
    {
      name: 'rejects a second answer for a slot already flipped as a duplicate',
      given: { word: { Fetch: 'succeeded', Extra: 'skipped' }, inFlight: ['Left'], attempts: { Fetch: 1, Left: 1 }, status: 'building' },
      answer: ok('Fetch', 1),
      then: { rejected: 'duplicate' },
    },
    { name: 'rejects an answer for an attempt not yet opened', given: fetching, answer: ok('Fetch', 2), then: { rejected: 'duplicate' } },
    { name: 'rejects an answer for a component that is not in flight', given: { word: { Extra: 'skipped' }, attempts: { Fetch: 1 } }, answer: ok('Fetch', 1), then: { rejected: 'duplicate' } },
    { name: 'rejects an answer for a component the flow does not have', given: fetching, answer: ok('Nope', 1), then: { rejected: 'unknown-component' } },
    {
      name: 'rejects every answer to a cancelled task',
      given: { ...fetching, phase: TaskPhase.cancelled, status: 'cancelled', inFlight: [] },
      answer: ok('Fetch', 1),
      then: { rejected: 'cancelled' },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const flow = row.flow ?? main;
      const write = planAnswer(flow, snap(flow, row.given), row.answer, jitter);
      if ('rejected' in row.then) expect(write).to.deep.equal(row.then);
      else {
        expect(isRejection(write) ? write : 'a write').to.equal('a write');
        expect(read(flow, write as TaskWrite)).to.deep.equal(expected(row.given, row.then));
      }
    });
  }
});

describe('transitions: planAnswers (answers to one task coalesced)', () => {
  const rows: Array<{ name: string; given: Situation; answers: Answer[]; then: Partial<Planned> | undefined; results: Array<'write' | Rejection['rejected']> }> = [
    {
      name: 'joins two successes into one write that claims their common dependent once',
      given: { ...building, inFlight: ['Left', 'Right'], word: { Fetch: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' } },
      answers: [ok('Left', 1), ok('Right', 1)],
      then: {
        word: { Fetch: 'succeeded', Left: 'succeeded', Right: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' }, inFlight: ['Join'],
        attempts: { ...building.attempts, Join: 1 }, finishes: ['Left#1 succeeded', 'Right#1 succeeded'],
        starts: ['Join#1 job h.join +0ms'], events: ['component.succeeded Left#1', 'component.succeeded Right#1'],
      },
      results: ['write', 'write'],
    },
    {
      name: 'plans each answer on the state the one before it leaves: a retry, then the retried attempt\'s success',
      given: fetching,
      answers: [failed('Fetch', 1, true), ok('Fetch', 2)],
      then: {
        word: { Fetch: 'succeeded', Extra: 'skipped' }, inFlight: ['Left', 'Right', 'AfterExtra'],
        attempts: { Fetch: 2, Left: 1, Right: 1, AfterExtra: 1 }, status: 'building',
        finishes: ['Fetch#1 failed (Fetch broke)', 'Fetch#2 succeeded'],
        starts: ['Fetch#2 job h.fetch +110ms', 'Left#1 job h.left +0ms', 'Right#1 job h.right +0ms', 'AfterExtra#1 job h.after +0ms'],
        events: ['progress Fetch#1 {"retry":{"next":2,"delay_ms":110}}', 'component.succeeded Fetch#2'],
      },
      results: ['write', 'write'],
    },
    {
      name: 'rejects a repeat of an answer already in the same group, and keeps the first',
      given: fetching,
      answers: [ok('Fetch', 1), ok('Fetch', 1)],
      then: {
        word: { Fetch: 'succeeded', Extra: 'skipped' }, inFlight: ['Left', 'Right', 'AfterExtra'],
        attempts: { Fetch: 1, Left: 1, Right: 1, AfterExtra: 1 }, status: 'building', finishes: ['Fetch#1 succeeded'],
        starts: ['Left#1 job h.left +0ms', 'Right#1 job h.right +0ms', 'AfterExtra#1 job h.after +0ms'], events: ['component.succeeded Fetch#1'],
      },
      results: ['write', 'duplicate'],
    },
    {
      name: 'writes nothing when every answer is rejected',
      given: { ...fetching, attempts: { Fetch: 2 } },
      answers: [ok('Fetch', 1), ok('Gone', 1)],
      then: undefined,
      results: ['stale-attempt', 'unknown-component'],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const { write, results } = planAnswers(main, snap(main, row.given), row.answers, jitter);
      if (row.then === undefined) expect(write).to.equal(undefined);
      else expect(write && read(main, write)).to.deep.equal(expected(row.given, row.then));
      expect(results.map((r) => (isRejection(r) ? r.rejected : r === write ? 'write' : 'another write'))).to.deep.equal(row.results);
    });
  }
});

describe('transitions: planAnswers, the words its events carry', () => {
  it('gives each answer\'s events the word that answer left, not the final one', () => {
    const given = snap(main, { ...building, inFlight: ['Left', 'Right'], word: { Fetch: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' } });
    const { write } = planAnswers(main, given, [ok('Left', 1), ok('Right', 1)], jitter);
    const afterLeft = encode(main, { Fetch: 'succeeded', Left: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' });
    expect(write!.events.map((e) => e.slotWord)).to.deep.equal([afterLeft.toString(), write!.word.toString()]);
  });
});

describe('transitions: planCancel', () => {
  const rows: Array<{ name: string; given: Situation; then: Partial<Planned> | undefined }> = [
    {
      name: 'cancels a running task: nothing in flight any more, the word kept',
      given: building,
      then: { inFlight: [], phase: TaskPhase.cancelled, status: 'cancelled', events: ['cancelled'] },
    },
    {
      name: 'cancels a task that never started',
      given: { word: { Extra: 'skipped' }, phase: TaskPhase.queued },
      then: { phase: TaskPhase.cancelled, status: 'cancelled', events: ['cancelled'] },
    },
    ...[TaskPhase.completed, TaskPhase.failed, TaskPhase.cancelled].map((phase) => ({
      name: `refuses to cancel a ${phase} task`,
      given: { ...leftFailed, phase },
      then: undefined,
    })),
  ];
  for (const row of rows) {
    it(row.name, () => {
      const write = planCancel(snap(main, row.given));
      if (row.then === undefined) expect(write).to.equal(undefined);
      else expect(write && read(main, write)).to.deep.equal(expected(row.given, row.then));
    });
  }

  it('abandons the attempts in flight by name when given the flow, so a store without their rows can write them cancelled', () => {
    const before = snap(main, building);
    expect(planCancel(before)!.abandons).to.deep.equal([]);
    expect(planCancel(before, main)!.abandons).to.have.deep.members([
      { component: 'Left', attempt: 1 }, { component: 'Right', attempt: 1 }, { component: 'AfterExtra', attempt: 1 },
    ]);
  });

  it('claims nothing after the cancel, and rejects the answers that arrive later', () => {
    const before = snap(main, building);
    const after = snapshotAfter(before, planCancel(before)!);
    expect(after.version).to.equal(VERSION + 1);
    expect(planDispatch(main, after)).to.equal(undefined);
    expect(planAnswer(main, after, ok('Left', 1), jitter)).to.deep.equal({ rejected: 'cancelled' });
  });
});

describe('transitions: planResume', () => {
  const rows: Array<{ name: string; given: Situation; from: string; then: Partial<Planned> }> = [
    {
      name: 'clears the failed component and its downstream, forgets its error and claims it as the next attempt',
      given: leftFailed,
      from: 'Left',
      then: {
        word: { Fetch: 'succeeded', Right: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' }, inFlight: ['Left'],
        attempts: { Fetch: 1, Left: 2, Right: 1, AfterExtra: 1 }, phase: TaskPhase.running, status: 'building',
        starts: ['Left#2 job h.left +0ms'], events: ['progress Left {"resumed":["Left","Join"]}', 'started'],
      },
    },
    {
      name: 'abandons the attempts in flight inside the cleared closure, keeps upstream work and a branch not taken',
      given: building,
      from: 'Fetch',
      then: {
        word: { Extra: 'skipped' }, inFlight: ['Fetch'], attempts: { Fetch: 2, Left: 1, Right: 1, AfterExtra: 1 }, status: 'preparing',
        abandons: ['Left#1', 'Right#1', 'AfterExtra#1'], starts: ['Fetch#2 job h.fetch +0ms'],
        events: ['progress Fetch {"resumed":["Fetch","Left","Right","Join","Extra","AfterExtra"]}', 'started'],
      },
    },
    {
      name: 'keeps a failure outside the closure, and its error, while the resumed component runs again',
      given: {
        ...leftFailed, word: { ...leftFailed.word, Right: 'failed' },
        error: { component: 'Right', attempt: 1, name: 'HandlerError', message: 'Right broke', code: 'it-broke' },
      },
      from: 'Left',
      then: {
        word: { Fetch: 'succeeded', Right: 'failed', Extra: 'skipped', AfterExtra: 'succeeded' }, inFlight: ['Left'],
        attempts: { Fetch: 1, Left: 2, Right: 1, AfterExtra: 1 }, phase: TaskPhase.running, status: 'failed',
        error: 'Right#1 it-broke: Right broke', starts: ['Left#2 job h.left +0ms'], events: ['progress Left {"resumed":["Left","Join"]}', 'started'],
      },
    },
    {
      name: 'runs a completed task\'s last component again',
      given: { word: { Fetch: 'succeeded', Left: 'succeeded', Right: 'succeeded', Join: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' }, attempts: { Join: 1 }, phase: TaskPhase.completed, status: 'done' },
      from: 'Join',
      then: {
        word: { Fetch: 'succeeded', Left: 'succeeded', Right: 'succeeded', Extra: 'skipped', AfterExtra: 'succeeded' }, inFlight: ['Join'],
        attempts: { Join: 2 }, phase: TaskPhase.running, status: 'building',
        starts: ['Join#2 job h.join +0ms'], events: ['progress Join {"resumed":["Join"]}', 'started'],
      },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const write = planResume(main, snap(main, row.given), main.byName.get(row.from)!);
      expect(read(main, write)).to.deep.equal(expected(row.given, row.then));
    });
  }

  it('makes every answer from an abandoned attempt stale', () => {
    const before = snap(main, building);
    const after = snapshotAfter(before, planResume(main, before, main.byName.get('Fetch')!));
    expect(planAnswer(main, after, ok('Fetch', 1), jitter)).to.deep.equal({ rejected: 'stale-attempt' });
    expect(planAnswer(main, after, ok('Left', 1), jitter)).to.deep.equal({ rejected: 'duplicate' });
    expect(planAnswer(main, after, ok('Fetch', 2), jitter)).to.not.have.property('rejected');
  });
});

describe('transitions: planResumeFanOut', () => {
  const scenesFailed: Situation = {
    word: { Script: 'succeeded', Approve: 'succeeded', Ext: 'succeeded', Scenes: 'failed' },
    attempts: { Script: 1, Approve: 1, Ext: 1, Scenes: 1 }, phase: TaskPhase.failed, status: 'failed',
    error: { component: 'Scenes', attempt: 1, name: 'FanOutError', message: 'scene 3 failed' },
  };
  const rows: Array<{ name: string; given: Situation; component: string; scene: number; then: Partial<Planned> | Rejection }> = [
    {
      name: 'reopens the failed fan-out\'s current attempt for one scene, in flight again, with no new job',
      given: scenesFailed,
      component: 'Scenes',
      scene: 3,
      then: {
        word: { Script: 'succeeded', Approve: 'succeeded', Ext: 'succeeded' }, inFlight: ['Scenes'], phase: TaskPhase.running, status: 'working',
        reopen: 'Scenes#1', events: ['progress Scenes#1 {"resumed_scene":3}'],
      },
    },
    {
      name: 'abandons the downstream attempt in flight when a succeeded fan-out reopens',
      given: {
        word: { Script: 'succeeded', Approve: 'succeeded', Ext: 'succeeded', Scenes: 'succeeded' }, inFlight: ['Final'],
        attempts: { Script: 1, Approve: 1, Ext: 1, Scenes: 2, Final: 1 }, status: 'working',
      },
      component: 'Scenes',
      scene: 0,
      then: {
        word: { Script: 'succeeded', Approve: 'succeeded', Ext: 'succeeded' }, inFlight: ['Scenes'],
        abandons: ['Final#1'], reopen: 'Scenes#2', events: ['progress Scenes#2 {"resumed_scene":0}'],
      },
    },
    { name: 'refuses a component that is not a fan-out', given: scenesFailed, component: 'Ext', scene: 0, then: { rejected: 'unknown-component' } },
    {
      name: 'refuses a fan-out that was never dispatched',
      given: { word: { Script: 'succeeded' }, inFlight: ['Approve'], attempts: { Script: 1, Approve: 1 }, status: 'working' },
      component: 'Scenes',
      scene: 0,
      then: { rejected: 'unknown-component' },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const write = planResumeFanOut(kinds, snap(kinds, row.given), kinds.byName.get(row.component)!, row.scene);
      if ('rejected' in row.then) expect(write).to.deep.equal(row.then);
      else expect(read(kinds, write as TaskWrite)).to.deep.equal(expected(row.given, row.then));
    });
  }
});

describe('transitions: planRestart', () => {
  const rows: Array<{ name: string; given: Situation; then: Partial<Planned> }> = [
    {
      name: 'sends every slot that is not skipped back to pending and claims the roots again',
      given: leftFailed,
      then: {
        word: { Extra: 'skipped' }, inFlight: ['Fetch'], attempts: { Fetch: 2, Left: 1, Right: 1, AfterExtra: 1 },
        phase: TaskPhase.running, status: 'preparing', starts: ['Fetch#2 job h.fetch +0ms'], events: ['progress {"restarted":true}', 'started'],
      },
    },
    {
      name: 'abandons every attempt in flight',
      given: building,
      then: {
        word: { Extra: 'skipped' }, inFlight: ['Fetch'], attempts: { Fetch: 2, Left: 1, Right: 1, AfterExtra: 1 }, status: 'preparing',
        abandons: ['Left#1', 'Right#1', 'AfterExtra#1'], starts: ['Fetch#2 job h.fetch +0ms'], events: ['progress {"restarted":true}', 'started'],
      },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      expect(read(main, planRestart(main, snap(main, row.given)))).to.deep.equal(expected(row.given, row.then));
    });
  }
});

describe('transitions: retryDelay', () => {
  const fetch = main.byName.get('Fetch')!;
  const rows: Array<[failedAttempt: number, jitter: number, delayMs: number]> = [
    [1, 0, 100],
    [2, 0, 200],
    [3, 0, 400],
    [1, 0.5, 110],
    [1, 0.999, 120],
    [3, 0.999, 480],
  ];
  for (const [attempt, j, delay] of rows) {
    it(`waits ${delay} ms after failed attempt ${attempt} with jitter ${j} (backoff 100 ms)`, () => {
      expect(retryDelay(fetch, attempt, () => j)).to.equal(delay);
    });
  }
});
