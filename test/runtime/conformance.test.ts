import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import type { CompiledFlow } from '../../src/core/flow/compile.ts';
import { isTerminal, TaskPhase, type TaskSnapshot } from '../../src/core/engine/task.ts';
import { initialWord } from '../../src/core/word.ts';
import type { NewTask } from '../../src/core/ports/task-state.ts';
import { slotState } from '../../src/core/slot.ts';
import { connect, type Distributed, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { startEmbedded } from '../../src/runtime/composition.ts';
import { Engine } from '../../src/runtime/engine.ts';
import { FlowCatalog } from '../../src/runtime/flow-catalog.ts';
import type { LockManager } from '../../src/core/ports/locks.ts';
import type { DispatchQueue } from '../../src/core/ports/queue.ts';
import type { TaskStore } from '../../src/core/ports/task-store.ts';
import { defaultRegistry } from '../../src/runtime/composition.ts';
import { SlotflowError } from '../../src/core/errors.ts';
import { eventually, useFreshEnv } from '../support/env.ts';
import { NO_HISTORY } from '../../src/core/ports/task-history.ts';
import { DEFAULT_RETENTION, purgeFinishedHistory } from '../../src/runtime/retention.ts';

const DAY_MS = 24 * 3600 * 1000;

/**
 * One suite, two back ends: the embedded one (memory store, in-process queue,
 * local lock) and the distributed one (real MariaDB, BullMQ and Redlock on the
 * machine's Redis). Both must obey the same rules.
 */

const flowFile = (name: string) => `test/fixtures/flows/runtime/${name}.json`;

interface Backend {
  engine: Engine;
  store: TaskStore;
  close(): Promise<void>;
}

/** Keeps jobs out of the workers' reach, so a test can answer for the components itself. */
const holdJobs: DispatchQueue = { dispatch: async () => {}, requestSchedule: async () => {}, isLive: async () => true, close: async () => {} };

/** Never blocks: what a writer sees when its Redlock lock has expired. */
const noLock: LockManager = { withLock: (_key, fn) => fn(), close: async () => {} };

/** Records how locks are asked for; `refuse`: the keys asked for together are never all free (one is held elsewhere). */
class RecordingLocks implements LockManager {
  readonly together: string[][] = [];
  readonly alone: string[] = [];
  refuse = false;

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    this.alone.push(key);
    return fn();
  }

  async tryWithLocks<T>(keys: readonly string[], fn: () => Promise<T>): Promise<{ value: T } | undefined> {
    this.together.push([...keys]);
    return this.refuse ? undefined : { value: await fn() };
  }

  async close(): Promise<void> {}
}

function conformance(name: string, start: () => Promise<Backend>): void {
  describe(`runtime conformance: ${name}`, function () {
    this.timeout(60000);
    let backend: Backend;
    before(async () => {
      backend = await start();
    });
    after(async () => {
      await backend.close();
    });

    async function runToEnd(flow: CompiledFlow, input: unknown = {}): Promise<TaskSnapshot> {
      const { id } = await backend.engine.submit({ flow, input });
      return eventually(`task ${id} to finish`, async () => {
        const snap = await backend.store.readTask(id);
        return snap && isTerminal(snap.phase) ? snap : undefined;
      });
    }

    it('completes a 14-component DAG and starts no component before all its dependencies finished', async () => {
      const flow = loadFlow(flowFile('dag-14'));
      const done = await runToEnd(flow);
      expect(done.phase).to.equal('completed');
      expect(done.status).to.equal('done');
      expect(done.word).to.equal(flow.successMask);
      expect(done.inFlight).to.equal(0n);
      const runs = await backend.store.listRuns(done.id);
      expect(runs).to.have.length(14);
      const byName = new Map(runs.map((r) => [r.component, r]));
      for (const c of flow.components) {
        const run = byName.get(c.name)!;
        expect(run.status).to.equal('succeeded');
        for (const dep of c.depends) {
          expect(run.startedAt!.getTime(), `${c.name} started before ${dep} finished`).to.be.at.least(byName.get(dep)!.finishedAt!.getTime());
        }
      }
      const events = await backend.store.listEvents(done.id);
      expect(events[0]!.type).to.equal('accepted');
      expect(events.at(-1)!.type).to.equal('completed');
      expect(events.filter((e) => e.type === 'component.succeeded')).to.have.length(14);
    });

    it('counts a finished task, its runs and its duration in the activity since it was submitted', async () => {
      // From now: the tasks of the tests before this one were created earlier.
      const since = new Date();
      const done = await runToEnd(loadFlow(flowFile('dag-14')));
      const a = await backend.store.activitySince(since);
      expect(a.tasks).to.deep.equal({ submitted: 1, completed: 1, failed: 0, cancelled: 0, unfinished: 0 });
      expect(a.runs).to.deep.equal({ executions: 14, cached: 0 });
      const record = (await backend.store.getTask(done.id))!;
      const took = record.updatedAt.getTime() - record.createdAt.getTime();
      expect(a.durationMs).to.deep.equal({ p50: took, p95: took });
      expect((await backend.store.activitySince(new Date(Date.now() + 1000))).tasks.submitted).to.equal(0);
    });

    it('leaves the word unchanged on duplicate, stale and unknown answers, and counts them', async () => {
      const flow = loadFlow(flowFile('dag-14'));
      const done = await runToEnd(flow);
      const before = await backend.store.countRejections(done.id);
      expect(before).to.deep.equal({});
      expect(await backend.engine.answer({ taskId: done.id, component: 'A', attempt: 1, ok: true, output: {} })).to.deep.equal({ rejected: 'duplicate' });
      expect(await backend.engine.answer({ taskId: done.id, component: 'A', attempt: 0, ok: false, error: { name: 'E', message: 'late', retryable: false } }))
        .to.deep.equal({ rejected: 'stale-attempt' });
      expect(await backend.engine.answer({ taskId: done.id, component: 'Nope', attempt: 1, ok: true, output: {} })).to.deep.equal({ rejected: 'unknown-component' });
      expect(await backend.engine.answer({ taskId: '00000000-0000-0000-0000-000000000000', component: 'A', attempt: 1, ok: true, output: {} }))
        .to.deep.equal({ rejected: 'unknown-task' });
      const after = await backend.store.readTask(done.id);
      expect(after!.word).to.equal(done.word);
      expect(after!.version).to.equal(done.version);
      expect(await backend.store.countRejections(done.id)).to.deep.equal({ duplicate: 1, 'stale-attempt': 1, 'unknown-component': 1 });
    });

    it('retries a flaky component into success, fails the task on builtin.fail, and still finishes the independent branch', async () => {
      const flow = loadFlow(flowFile('branches'));
      const done = await runToEnd(flow);
      const state = (name: string) => slotState(done.word, flow.byName.get(name)!.slot);
      expect(done.phase).to.equal('failed');
      expect(done.status).to.equal('failed');
      expect(state('Flaky')).to.equal('succeeded');
      expect(state('AfterFlaky')).to.equal('succeeded');
      expect(state('Broken')).to.equal('failed');
      expect(state('AfterBroken')).to.equal('pending');
      expect(state('Independent')).to.equal('succeeded');
      expect(state('AfterIndependent')).to.equal('succeeded');
      expect(state('Portrait')).to.equal('skipped');
      expect(state('AfterPortrait')).to.equal('succeeded');
      expect(done.inFlight).to.equal(0n);
      expect(done.error).to.include({ component: 'Broken', attempt: 2, name: 'BuiltinFailure' });
      const runs = await backend.store.listRuns(done.id);
      const flaky = runs.filter((r) => r.component === 'Flaky').map((r) => [r.attempt, r.status]);
      expect(flaky).to.deep.equal([[1, 'failed'], [2, 'failed'], [3, 'succeeded']]);
      expect(runs.filter((r) => r.component === 'Broken').map((r) => r.status)).to.deep.equal(['failed', 'failed']);
      expect(runs.some((r) => r.component === 'AfterBroken' || r.component === 'Portrait')).to.equal(false);
    });

    it('fails an attempt at its timeout_ms and retries it, and skips retries for a non-retryable error', async () => {
      const flow = loadFlow(flowFile('limits'));
      const done = await runToEnd(flow);
      expect(done.phase).to.equal('failed');
      const runs = await backend.store.listRuns(done.id);
      const slow = runs.filter((r) => r.component === 'Slowpoke');
      expect(slow.map((r) => [r.attempt, r.status, r.error?.name])).to.deep.equal([
        [1, 'failed', 'AttemptTimeoutError'], [2, 'failed', 'AttemptTimeoutError'],
      ]);
      const rejecting = runs.filter((r) => r.component === 'Rejecting');
      expect(rejecting.map((r) => [r.attempt, r.status, r.error?.name])).to.deep.equal([[1, 'failed', 'SlotflowError']]);
    });

    it('runs the when-branch when the input selects it', async () => {
      const flow = loadFlow(flowFile('branches'));
      const done = await runToEnd(flow, { options: { format: '9:16' } });
      expect(slotState(done.word, flow.byName.get('Portrait')!.slot)).to.equal('succeeded');
    });

    it('creates one task for 20 concurrent submissions with one idempotency key', async () => {
      const flow = loadFlow(flowFile('dag-14'));
      const key = `idem-${name}-${Date.now()}`;
      const results = await Promise.all(
        Array.from({ length: 20 }, () => backend.engine.submit({ flow, input: { n: 1 }, idempotencyKey: key })),
      );
      const ids = new Set(results.map((r) => r.id));
      expect(ids.size).to.equal(1);
      expect(results.filter((r) => r.created)).to.have.length(1);
      const [id] = [...ids];
      await eventually('the idempotent task to finish', async () => {
        const snap = await backend.store.readTask(id!);
        return snap && isTerminal(snap.phase) ? snap : undefined;
      });
      expect((await backend.store.listRuns(id!)).length).to.equal(14);
    });

    it('loses no update when answers race without the lock, as after a lock expiry', async () => {
      const flow = loadFlow(flowFile('wide-32'));
      // Engines over the same store whose lock never blocks, so only the CAS protects the word: several, since one
      // engine applies the answers that meet in it together. They dispatch nothing: this test answers for the
      // components itself.
      const racers = Array.from({ length: 4 }, () => new Engine({ store: backend.store, flows: new FlowCatalog(backend.store), queue: holdJobs, locks: noLock }));
      // The task is created with all 32 claimed; the racers' queue holds their jobs, so no worker runs them.
      const { id } = await racers[0]!.submit({ flow, input: {} });
      expect((await backend.store.readTask(id))!.inFlight).to.equal(flow.successMask);
      const answers = await Promise.all(
        flow.components.map((c, i) => racers[i % racers.length]!.answer({ taskId: id, component: c.name, attempt: 1, ok: true, output: { c: c.name } })),
      );
      expect(answers.every((a) => a && !('rejected' in a))).to.equal(true);
      const snap = await eventually('the raced task to finish', async () => {
        const s = await backend.store.readTask(id);
        return s && isTerminal(s.phase) ? s : undefined;
      });
      expect(snap.word).to.equal(flow.successMask);
      expect(snap.phase).to.equal('completed');
    });

    it('locks the tasks whose answers wait together in one call, and each on its own when one of them is held elsewhere', async () => {
      const flow = loadFlow(flowFile('wide-32'));
      for (const refuse of [false, true]) {
        const locks = new RecordingLocks();
        locks.refuse = refuse;
        const engine = new Engine({ store: backend.store, flows: new FlowCatalog(backend.store), queue: holdJobs, locks });
        const ids = [];
        for (let i = 0; i < 3; i++) ids.push((await engine.submit({ flow, input: {} })).id);
        const first = flow.components[0]!.name;
        // The first answer starts a round at once; the two that arrive while it is on its way go in the next one.
        const answers = await Promise.all(ids.map((id) => engine.answer({ taskId: id, component: first, attempt: 1, ok: true, output: { refuse } })));
        expect(answers.every((a) => a && !('rejected' in a)), `refuse ${refuse}`).to.equal(true);
        expect(locks.together, `refuse ${refuse}`).to.deep.equal([[`task:${ids[0]}`], [`task:${ids[1]}`, `task:${ids[2]}`]]);
        expect(locks.alone, `refuse ${refuse}`).to.deep.equal(refuse ? ids.map((id) => `task:${id}`) : []);
        for (const id of ids) {
          const snap = (await backend.store.readTask(id))!;
          expect(snap.word & flow.byName.get(first)!.successBit, `${id} answered, refuse ${refuse}`).to.not.equal(0n);
          expect((await backend.store.listRuns(id)).find((r) => r.component === first)?.status).to.equal('succeeded');
        }
      }
    });

    it('applies answers for one task that meet in one process together, keeping every run and event', async () => {
      const flow = loadFlow(flowFile('wide-32'));
      const engine = new Engine({ store: backend.store, flows: new FlowCatalog(backend.store), queue: holdJobs, locks: noLock });
      const { id } = await engine.submit({ flow, input: {} });
      const before = (await backend.store.readTask(id))!.version;
      const answers = await Promise.all(
        flow.components.map((c) => engine.answer({ taskId: id, component: c.name, attempt: 1, ok: true, output: { c: c.name } })),
      );
      expect(answers.every((a) => a && !('rejected' in a))).to.equal(true);
      const after = (await backend.store.readTask(id))!;
      expect(after.word).to.equal(flow.successMask);
      expect(after.phase).to.equal('completed');
      // The first answer's write, then one for the 31 that arrived while it was applied.
      expect(after.version - before).to.be.at.most(2);
      const runs = await backend.store.listRuns(id);
      expect(runs.filter((r) => r.status === 'succeeded').map((r) => r.output)).to.have.deep.members(flow.components.map((c) => ({ c: c.name })));
      const succeeded = (await backend.store.listEvents(id)).filter((e) => e.type === 'component.succeeded');
      expect(succeeded.map((e) => e.component)).to.have.members(flow.components.map((c) => c.name));
      // A duplicate in the same round is refused on its own; the others still land.
      const again = await Promise.all([
        engine.answer({ taskId: id, component: flow.components[0]!.name, attempt: 1, ok: true, output: {} }),
        engine.answer({ taskId: id, component: 'Nope', attempt: 1, ok: true, output: {} }),
      ]);
      expect(again).to.deep.equal([{ rejected: 'duplicate' }, { rejected: 'unknown-component' }]);
    });

    it('creates a task with its first components claimed and dispatched, with no scheduling pass', async () => {
      const flow = loadFlow(flowFile('dag-14'));
      const dispatched: string[] = [];
      const schedules: string[] = [];
      const recording: DispatchQueue = {
        ...holdJobs,
        dispatch: async (jobs) => void dispatched.push(...jobs.map((j) => j.component)),
        requestSchedule: async (taskId) => void schedules.push(taskId),
      };
      const engine = new Engine({ store: backend.store, flows: new FlowCatalog(backend.store), queue: recording, locks: noLock });
      const { id } = await engine.submit({ flow, input: {} });
      const snap = (await backend.store.readTask(id))!;
      const roots = flow.components.filter((c) => c.depends.length === 0).map((c) => c.name);
      expect(dispatched).to.have.members(roots);
      expect(schedules).to.deep.equal([]);
      expect(snap).to.include({ version: 2, phase: 'running' });
      expect((await backend.store.listEvents(id)).map((e) => e.type)).to.deep.equal(['accepted', 'started']);
      expect((await backend.store.listRuns(id)).map((r) => [r.component, r.status])).to.have.deep.members(roots.map((r) => [r, 'queued']));
      // A scheduling pass finds nothing more to do.
      expect(await engine.schedule(id)).to.equal(undefined);
    });

    it('plans again on the current row when another process wrote the task since this one last did', async () => {
      const flow = loadFlow(flowFile('wide-32'));
      const [a, b] = [0, 1].map(() => new Engine({ store: backend.store, flows: new FlowCatalog(backend.store), queue: holdJobs, locks: noLock })) as [Engine, Engine];
      const [c0, c1] = [flow.components[0]!.name, flow.components[1]!.name];
      const { id } = await a.submit({ flow, input: {} });
      const version = (await backend.store.readTask(id))!.version;
      // b moves the task on; what a remembers is now out of date.
      expect(await b.answer({ taskId: id, component: c0, attempt: 1, ok: true, output: {} })).to.have.property('starts');
      expect(await a.answer({ taskId: id, component: c1, attempt: 1, ok: true, output: {} })).to.have.property('starts');
      const snap = (await backend.store.readTask(id))!;
      expect(snap.version).to.equal(version + 2);
      expect(snap.word & (flow.byName.get(c0)!.successBit | flow.byName.get(c1)!.successBit)).to.equal(
        flow.byName.get(c0)!.successBit | flow.byName.get(c1)!.successBit);
      // b resumes c0 (attempt 2); a, remembering attempt 1, must not refuse the new attempt's answer.
      await b.resume(id, c0);
      expect(await a.answer({ taskId: id, component: c0, attempt: 2, ok: true, output: {} })).to.have.property('starts');
      expect(await a.answer({ taskId: id, component: c0, attempt: 1, ok: true, output: {} })).to.deep.equal({ rejected: 'stale-attempt' });
    });

    it('closes the runs a resume abandons, so a late job for them is dropped unrun', async () => {
      const flow = loadFlow(flowFile('wide-32'));
      const engine = new Engine({ store: backend.store, flows: new FlowCatalog(backend.store), queue: holdJobs, locks: noLock });
      const { id } = await engine.submit({ flow, input: {} });
      const first = flow.components[0]!.name;
      await engine.resume(id, first);
      const runs = (await backend.store.listRuns(id)).filter((r) => r.component === first);
      expect(runs.map((r) => [r.attempt, r.status])).to.deep.equal([[1, 'cancelled'], [2, 'queued']]);
      expect(await backend.store.startAttempt(id, first, 1, 'test', [])).to.equal(undefined);
      expect(await backend.store.startAttempt(id, first, 2, 'test', [])).to.deep.equal({ input: {}, deps: {} });
    });

    it('resumes with changed options: sets them in the stored input, keeps the others, and the attempt reads them', async () => {
      const flow = loadFlow(flowFile('wide-32'));
      const engine = new Engine({ store: backend.store, flows: new FlowCatalog(backend.store), queue: holdJobs, locks: noLock });
      const input = { article: { body: 'Text.' }, options: { format: '9:16', voice: 'espeak-ng:en-us' } };
      const { id } = await engine.submit({ flow, input });
      const first = flow.components[0]!.name;
      await engine.resume(id, first, undefined, { voice: 'espeak-ng:en-gb', music: false });
      const merged = { article: { body: 'Text.' }, options: { format: '9:16', voice: 'espeak-ng:en-gb', music: false } };
      expect((await backend.store.getTask(id))!.input).to.deep.equal(merged);
      expect((await backend.store.startAttempt(id, first, 2, 'test', []))?.input).to.deep.equal(merged);
      const bare = await engine.submit({ flow, input: { n: 1 } });
      expect(await backend.store.mergeTaskOptions(bare.id, { tone: 'calm' })).to.equal(true);
      expect((await backend.store.getTask(bare.id))!.input).to.deep.equal({ n: 1, options: { tone: 'calm' } });
      expect(await backend.store.mergeTaskOptions('00000000-0000-0000-0000-000000000000', { voice: 'x' })).to.equal(false);
    });

    it('refuses a write planned from an old version', async () => {
      const flow = loadFlow(flowFile('dag-14'));
      const { id } = await backend.engine.submit({ flow, input: {}, idempotencyKey: `cas-${name}-${Date.now()}` });
      const snap = (await backend.store.readTask(id))!;
      // A word no run of dag-14 can reach (slot 31 of 14): the task goes on running meanwhile, so its own word moves.
      const stale = 1n << 62n;
      const write = {
        taskId: id, expectedVersion: snap.version - 1, word: stale, inFlight: 0n, attempts: {}, phase: snap.phase, status: snap.status,
        error: null, finishes: [], abandons: [], starts: [], events: [],
      };
      const outcome = await backend.store.applyWrite(write);
      expect(outcome.applied).to.equal(false);
      // The refusal carries the row as it is, so the writer can plan again without reading it.
      expect(outcome.applied === false && outcome.current?.id).to.equal(id);
      expect(outcome.applied === false && outcome.current!.version).to.be.at.least(snap.version);
      expect((await backend.store.readTask(id))!.word).to.not.equal(stale);
    });

    /** A top-level task to create, as the engine makes one, without its first pass. */
    function newTaskOf(flow: CompiledFlow, input: unknown, idempotencyKey: string | null = null): NewTask {
      const id = randomUUID();
      const word = initialWord(flow, input);
      return {
        id, flow, word, input, idempotencyKey, parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null, take: 1, title: 'again',
        callbackUrl: null, first: undefined,
        snapshot: { id, flowName: flow.name, flowHash: flow.hash, word, inFlight: 0n, version: 1, attempts: {}, phase: TaskPhase.queued, status: 'queued', error: null,
          parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null },
      };
    }

    it('creates a reused task completed at once as a copy of a completed one: its word, its outputs cached with no executions, reused events', async () => {
      const flow = loadFlow(flowFile('dag-14'));
      const done = await runToEnd(flow);
      const task = newTaskOf(flow, { request: 'again' });
      expect(await backend.store.createReusedTask(task, { taskId: done.id, similarity: 0.991 })).to.deep.equal({ id: task.id, created: true });
      const copy = (await backend.store.getTask(task.id))!;
      expect(copy).to.include({ phase: 'completed', status: done.status, reusedFrom: done.id, title: 'again', version: 1 });
      expect(copy.word).to.equal(done.word);
      expect(copy.inFlight).to.equal(0n);
      expect(copy.input).to.deep.equal({ request: 'again' });
      const runs = await backend.store.listRuns(task.id);
      expect(runs).to.have.length(14);
      expect(runs.every((r) => r.status === 'succeeded' && r.cached && r.executions === 0)).to.equal(true);
      const names = flow.components.map((c) => c.name);
      expect(await backend.store.outputsOf(task.id, names)).to.deep.equal(await backend.store.outputsOf(done.id, names));
      const events = await backend.store.listEvents(task.id);
      expect(events.map((e) => e.type)).to.deep.equal(['accepted', 'reused', 'completed']);
      expect(events[1]!.data).to.deep.equal({ reused_from: done.id, similarity: 0.991 });
      expect(events[2]!.slotWord).to.equal(done.word.toString());
      expect((await backend.store.getTask(done.id))!.reusedFrom).to.equal(null);
    });

    it('refuses to reuse a task that is not completed (nothing written), and keeps idempotency keys', async () => {
      const flow = loadFlow(flowFile('dag-14'));
      const lost = newTaskOf(flow, {});
      expect(await backend.store.createReusedTask(lost, { taskId: randomUUID(), similarity: 1 })).to.equal(undefined);
      expect(await backend.store.getTask(lost.id)).to.equal(undefined);
      const done = await runToEnd(flow);
      const key = `reuse-${randomUUID()}`;
      const first = newTaskOf(flow, {}, key);
      expect((await backend.store.createReusedTask(first, { taskId: done.id, similarity: 1 }))!.created).to.equal(true);
      expect(await backend.store.createReusedTask(newTaskOf(flow, {}, key), { taskId: done.id, similarity: 1 })).to.deep.equal({ id: first.id, created: false });
      expect(await backend.store.createTask(newTaskOf(flow, {}, key))).to.deep.equal({ id: first.id, created: false });
    });

    it('files request vectors and finds them by settings, embedder and bucket only, newest first; forgets them', async () => {
      const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const settings = randomUUID();
      const vector = { kind: 'sparse', terms: { coffee: 0.6, cup: 0.8 } } as const;
      await backend.store.rememberRequest({ taskId: a, settingsHash: settings, embedder: 'lexical/1', bucket: 'b1', vector });
      await backend.store.rememberRequest({ taskId: b, settingsHash: settings, embedder: 'lexical/1', bucket: 'b2', vector });
      await backend.store.rememberRequest({ taskId: c, settingsHash: settings, embedder: 'other', bucket: 'b1', vector });
      await new Promise((r) => setTimeout(r, 5));
      await backend.store.rememberRequest({ taskId: d, settingsHash: settings, embedder: 'lexical/1', bucket: 'b1', vector: { kind: 'dense', values: [1, 0] } });
      const found = await backend.store.requestCandidates(settings, 'lexical/1', 'b1', 10);
      expect(found.map((f) => f.taskId)).to.deep.equal([d, a]);
      expect(found[1]!.vector).to.deep.equal(vector);
      expect(await backend.store.requestCandidates(settings, 'lexical/1', 'b1', 1)).to.have.length(1);
      expect(await backend.store.requestCandidates(randomUUID(), 'lexical/1', 'b1', 10)).to.deep.equal([]);
      await backend.store.forgetRequests([d, b]);
      expect((await backend.store.requestCandidates(settings, 'lexical/1', 'b1', 10)).map((f) => f.taskId)).to.deep.equal([a]);
      expect(await backend.store.requestCandidates(settings, 'lexical/1', 'b2', 10)).to.deep.equal([]);
    });

    it('stores an asset\'s graph fields (inputs, stage, scores) and reads them back; an asset without them reads null', async () => {
      const taskId = randomUUID();
      const base = { taskId, component: 'ProductNeutral', scene: null, kind: 'image', provider: 'offline', path: '/x/a.png', bytes: 10, latencyMs: 3, reused: false };
      const graph = { inputs: ['sha256:' + 'a'.repeat(64), 'snapshot:images'], stage: 'neutral', scores: { ssim: 0.91, passed: true, box: { x: 1, y: 2, w: 3, h: 4 } } };
      await backend.store.recordAssets([{ ...base, hash: 'b'.repeat(64), ...graph }, { ...base, hash: 'c'.repeat(64) }]);
      const [made, plain] = await backend.store.listAssets(taskId);
      expect(made).to.include({ stage: 'neutral', hash: 'b'.repeat(64) });
      expect(made!.inputs).to.deep.equal(graph.inputs);
      expect(made!.scores).to.deep.equal(graph.scores);
      expect(await backend.store.getAsset(made!.id)).to.deep.equal(made);
      expect(plain).to.include({ inputs: null, stage: null, scores: null });
    });

    it('writes job snapshots once and lists a subject\'s snapshots oldest first', async () => {
      const subject = randomUUID();
      const product = randomUUID();
      const first = await backend.store.saveSnapshot({ contract: 'output-generation/1', subject, parent: product, body: { mode: 'image_bundle', options: { scenes: 2 } }, sha256: 'd'.repeat(64) });
      await backend.store.saveSnapshot({ contract: 'output-retry/1', subject, parent: product, body: { from: 'scene-image', scene: 2 }, sha256: 'e'.repeat(64) });
      await backend.store.saveSnapshot({ contract: 'product-creation/1', subject: product, parent: null, body: {}, sha256: 'f'.repeat(64) });
      const listed = await backend.store.listSnapshots(subject);
      expect(listed.map((s) => s.contract)).to.deep.equal(['output-generation/1', 'output-retry/1']);
      expect(listed[0]).to.deep.include({ id: first.id, subject, sha256: 'd'.repeat(64), body: { mode: 'image_bundle', options: { scenes: 2 } } });
      expect(listed[1]!.body).to.deep.equal({ from: 'scene-image', scene: 2 });
      expect(await backend.store.listSnapshots(randomUUID())).to.deep.equal([]);
      expect((await backend.store.listSnapshotsUnder(product)).map((s) => s.id)).to.deep.equal(listed.map((s) => s.id));
      expect((await backend.store.listSnapshots(product))[0]!.parent).to.equal(null);
    });

    it('purges a finished task\'s events and runs once it is past retention, and keeps the task', async () => {
      const done = await runToEnd(loadFlow(flowFile('dag-14')));
      expect((await backend.store.countHistory([done.id])).events).to.be.greaterThan(0);
      const notYet = await purgeFinishedHistory(backend.store, { ...DEFAULT_RETENTION, retainDays: 1 });
      expect(notYet.tasks).to.equal(0);
      const later = new Date(Date.now() + 2 * DAY_MS);
      const report = await purgeFinishedHistory(backend.store, { ...DEFAULT_RETENTION, retainDays: 1 }, later);
      expect(report.tasks).to.be.greaterThan(0);
      expect(await backend.store.countHistory([done.id])).to.deep.equal(NO_HISTORY);
      expect(await backend.store.listEvents(done.id)).to.deep.equal([]);
      expect((await backend.store.readTask(done.id))?.phase).to.equal(TaskPhase.completed);
    });
  });
}

/** The builtins plus one handler that throws an error retrying cannot fix. */
function testRegistry() {
  return defaultRegistry().register('test.reject', async () => {
    throw new SlotflowError('the input is unusable', { code: 'bad-input', retryable: false });
  });
}

conformance('embedded', async () => {
  const rt = await startEmbedded({ concurrency: 8, registry: testRegistry() });
  return { engine: rt.engine, store: rt.store, close: () => rt.close() };
});

describe('distributed back end', () => {
  const env = useFreshEnv();
  conformance('MySQL + BullMQ + Redlock', async () => {
    const { settings } = env();
    const d: Distributed = connect(settings);
    await startScheduler(d, settings);
    const registry = testRegistry();
    await startWorker(d, settings, registry, { concurrency: 8 });
    return { engine: d.engine, store: d.store, close: () => d.close() };
  });
});
