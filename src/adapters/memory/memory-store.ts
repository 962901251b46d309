import { type ActivityStats, nearestRank } from '../../core/ports/activity.ts';
import type { CompiledFlow } from '../../core/flow/compile.ts';
import type { FlowDocument } from '../../core/flow/document.ts';
import { EventType, type LifecycleEvent } from '../../core/engine/events.ts';
import { type EventRow, expandRows, packEvents } from '../../core/ports/event-rows.ts';
import { type RejectReason, type RunRef, RunStatus, type TaskWrite } from '../../core/engine/transitions.ts';
import { TaskPhase, type TaskSnapshot } from '../../core/engine/task.ts';
import { taskStatus } from '../../core/word.ts';
import type { AssetRecord } from '../../core/ports/assets.ts';
import type { NewSnapshot, StoredSnapshot } from '../../core/ports/snapshots.ts';
import type { OpenedAttempt } from '../../core/ports/attempts.ts';
import type { RunRecord, StoredEvent, TaskFilter, TaskRecord } from '../../core/ports/read-model.ts';
import type { CreatedTask, NewTask, WriteOutcome } from '../../core/ports/task-state.ts';
import type { TaskStore } from '../../core/ports/task-store.ts';
import type { RequestCandidate, ReusedFrom, StoredRequest } from '../../core/ports/request-vectors.ts';
import { type FinishedCursor, type FinishedPhase, type FinishedTask, type HistoryCounts, NO_HISTORY } from '../../core/ports/task-history.ts';

/**
 * The embedded back end's store: the same contract as the MySQL store, kept in
 * memory. Writes are compare-and-swap on the version exactly as in MySQL, so
 * the conformance suite holds both to the same rules. Values are cloned on the
 * way in and out, as a database would.
 */

type Row = TaskRecord;

export class MemoryStore implements TaskStore {
  private readonly flows = new Map<string, FlowDocument>();
  private readonly tasks = new Map<string, Row>();
  private readonly keys = new Map<string, string>();
  private readonly runs = new Map<string, RunRecord[]>();
  /** Event rows as MySQL keeps them (event-rows.ts): one per write, ids from 1, never reused. */
  private readonly events: EventRow[] = [];
  private lastEventRow = 0;
  private readonly rejections: Array<{ taskId: string; reason: RejectReason }> = [];

  async saveFlowVersion(flow: CompiledFlow): Promise<void> {
    if (!this.flows.has(flow.hash)) this.flows.set(flow.hash, structuredClone(flow.document));
  }

  async loadFlowVersion(hash: string): Promise<FlowDocument | undefined> {
    const doc = this.flows.get(hash);
    return doc && structuredClone(doc);
  }

  /** The task an idempotency key already names, else undefined after the key is taken for `task`. */
  private claimKey(task: NewTask): CreatedTask | undefined {
    if (task.idempotencyKey === null) return undefined;
    const existing = this.keys.get(task.idempotencyKey);
    if (existing) return { id: existing, created: false };
    this.keys.set(task.idempotencyKey, task.id);
    return undefined;
  }

  async createTask(task: NewTask): Promise<CreatedTask> {
    const earlierWithKey = this.claimKey(task);
    if (earlierWithKey) return earlierWithKey;
    const now = new Date();
    this.tasks.set(task.id, {
      id: task.id,
      flowName: task.flow.name,
      flowHash: task.flow.hash,
      word: task.word,
      inFlight: 0n,
      version: 1,
      attempts: {},
      phase: TaskPhase.queued,
      status: taskStatus(task.flow, task.word),
      parentId: task.parentId,
      parentComponent: task.parentComponent,
      parentAttempt: task.parentAttempt,
      sceneIndex: task.sceneIndex,
      error: null,
      input: structuredClone(task.input),
      title: task.title,
      take: task.take,
      chosen: true,
      idempotencyKey: task.idempotencyKey,
      callbackUrl: task.callbackUrl,
      reusedFrom: null,
      createdAt: now,
      updatedAt: now,
    });
    this.runs.set(task.id, []);
    // Nothing else runs between the two: the task is created as its first pass leaves it, as in MySQL, with
    // `accepted` and the first pass's events in one row.
    const accepted = { type: EventType.accepted, slotWord: task.word.toString() };
    if (task.first) await this.applyWrite({ ...task.first, events: [accepted, ...task.first.events] });
    else this.pushEvents(task.id, [accepted]);
    return { id: task.id, created: true };
  }

  async createChildren(children: readonly NewTask[]): Promise<CreatedTask[]> {
    const first = children[0];
    if (!first) return [];
    const existing = await this.listChildren(first.parentId!, first.parentComponent!, first.parentAttempt!);
    if (existing.length > 0) return existing.map((t) => ({ id: t.id, created: false }));
    const created: CreatedTask[] = [];
    for (const child of children) created.push(await this.createTask(child));
    return created;
  }

  async createReusedTask(task: NewTask, from: ReusedFrom): Promise<CreatedTask | undefined> {
    const earlier = this.tasks.get(from.taskId);
    if (!earlier || earlier.phase !== TaskPhase.completed || earlier.flowHash !== task.flow.hash) return undefined;
    const earlierWithKey = this.claimKey(task);
    if (earlierWithKey) return earlierWithKey;
    const now = new Date();
    this.tasks.set(task.id, {
      ...structuredClone(earlier),
      id: task.id, inFlight: 0n, version: 1, parentId: null, parentComponent: null, parentAttempt: null, sceneIndex: null, error: null,
      input: structuredClone(task.input), title: task.title, take: 1, chosen: true, idempotencyKey: task.idempotencyKey,
      callbackUrl: task.callbackUrl, reusedFrom: from.taskId, createdAt: now, updatedAt: now,
    });
    this.runs.set(task.id, (this.runs.get(from.taskId) ?? []).filter((r) => r.status === RunStatus.succeeded).map((r) => ({
      ...structuredClone(r), executions: 0, cached: true, worker: null, error: null, queuedAt: now, startedAt: now, finishedAt: now,
    })));
    const word = earlier.word.toString();
    this.pushEvents(task.id, [
      { type: EventType.accepted, slotWord: task.word.toString() },
      { type: EventType.reused, slotWord: word, data: { reused_from: from.taskId, similarity: Number(from.similarity.toFixed(6)) } },
      { type: EventType.completed, slotWord: word },
    ]);
    return { id: task.id, created: true };
  }

  private readonly requests = new Map<string, StoredRequest & { at: number }>();
  private requestClock = 0;

  async rememberRequest(request: StoredRequest): Promise<void> {
    this.requests.set(request.taskId, { ...structuredClone(request), at: ++this.requestClock });
  }

  async requestCandidates(settingsHash: string, embedder: string, bucket: string, limit: number): Promise<RequestCandidate[]> {
    return [...this.requests.values()]
      .filter((r) => r.settingsHash === settingsHash && r.embedder === embedder && r.bucket === bucket)
      .sort((a, b) => b.at - a.at)
      .slice(0, limit)
      .map((r) => ({ taskId: r.taskId, vector: structuredClone(r.vector) }));
  }

  async forgetRequests(taskIds: readonly string[]): Promise<void> {
    for (const id of taskIds) this.requests.delete(id);
  }

  async readTask(id: string): Promise<TaskSnapshot | undefined> {
    const row = this.tasks.get(id);
    if (!row) return undefined;
    const { input: _i, idempotencyKey: _k, createdAt: _c, updatedAt: _u, callbackUrl: _b, title: _t, take: _n, chosen: _s, reusedFrom: _r, ...snap } = row;

    return structuredClone(snap);
  }

  async applyWrite(write: TaskWrite, carry?: readonly string[]): Promise<WriteOutcome> {
    const row = this.tasks.get(write.taskId);
    if (!row || row.version !== write.expectedVersion) return { applied: false, current: await this.readTask(write.taskId) };
    Object.assign(row, {
      word: write.word,
      inFlight: write.inFlight,
      attempts: { ...write.attempts },
      phase: write.phase,
      status: write.status,
      error: write.error && { ...write.error },
      version: row.version + 1,
      updatedAt: new Date(),
    });
    const runs = this.runs.get(write.taskId)!;
    const find = (ref: RunRef) => runs.find((r) => r.component === ref.component && r.attempt === ref.attempt);
    for (const finish of write.finishes) {
      const run = find(finish);
      if (run) {
        run.status = finish.status;
        run.output = structuredClone(finish.output ?? null);
        run.error = finish.error ?? null;
        run.cached = finish.cached === true;
        run.finishedAt = new Date();
        if (finish.execution) {
          run.executions++;
          run.worker = finish.execution.worker;
          run.startedAt = new Date(finish.execution.startedAtMs);
        }
      }
    }
    for (const ref of write.abandons) {
      const run = find(ref);
      if (run && isOpen(run)) {
        run.status = RunStatus.cancelled;
        run.finishedAt = new Date();
      }
    }
    if (write.reopen) {
      const run = find(write.reopen);
      if (run) {
        run.status = RunStatus.running;
        // The redo's time, as in MySQL: not stretched across the first run and the redo.
        run.startedAt = new Date();
        run.finishedAt = null;
      }
    }
    if (write.phase === TaskPhase.cancelled) {
      for (const r of runs) {
        if (!isOpen(r)) continue;
        r.status = RunStatus.cancelled;
        r.finishedAt = new Date();
      }
    }
    for (const s of write.starts) {
      runs.push({
        component: s.component, attempt: s.attempt, status: RunStatus.queued, executions: 0, cached: false, worker: null,
        queuedAt: new Date(), startedAt: null, finishedAt: null, output: null, error: null,
      });
    }
    this.pushEvents(write.taskId, write.events);
    if (!carry) return { applied: true };
    return { applied: true, carried: { input: structuredClone(row.input), outputs: await this.outputsOf(write.taskId, carry) } };
  }

  async startRun(taskId: string, component: string, attempt: number, worker: string): Promise<boolean> {
    const run = this.runs.get(taskId)?.find((r) => r.component === component && r.attempt === attempt);
    if (!run || !isOpen(run)) return false;
    run.status = RunStatus.running;
    run.executions++;
    run.worker = worker;
    run.startedAt = new Date();
    return true;
  }

  async startAttempt(taskId: string, component: string, attempt: number, worker: string, depends: readonly string[]): Promise<OpenedAttempt | undefined> {
    if (!(await this.startRun(taskId, component, attempt, worker))) return undefined;
    return { input: structuredClone(this.tasks.get(taskId)!.input), deps: await this.outputsOf(taskId, depends) };
  }

  async outputsOf(taskId: string, components: readonly string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const runs = this.runs.get(taskId) ?? [];
    for (const name of components) {
      const done = runs.filter((r) => r.component === name && r.status === RunStatus.succeeded);
      const last = done[done.length - 1];
      if (last) out[name] = structuredClone(last.output);
    }
    return out;
  }

  async recordRejection(taskId: string, _component: string, _attempt: number, reason: RejectReason): Promise<void> {
    this.rejections.push({ taskId, reason });
  }

  async countRejections(taskId?: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const r of this.rejections) if (!taskId || r.taskId === taskId) counts[r.reason] = (counts[r.reason] ?? 0) + 1;
    return counts;
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const row = this.tasks.get(id);
    return row && structuredClone(row);
  }

  async listTasks(filter: TaskFilter): Promise<TaskRecord[]> {
    return [...this.tasks.values()]
      .filter((t) => (!filter.status || t.status === filter.status) && (!filter.phase || t.phase === filter.phase) && (!filter.flow || t.flowName === filter.flow) && (!filter.topLevel || t.parentId === null))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, filter.limit ?? 50)
      .map((t) => structuredClone(t));
  }

  async findTaskIds(prefix: string, limit: number): Promise<string[]> {
    return [...this.tasks.keys()].filter((id) => id.startsWith(prefix)).sort().slice(0, limit);
  }

  async listRuns(taskId: string): Promise<RunRecord[]> {
    return structuredClone(this.runs.get(taskId) ?? []);
  }

  async listEvents(taskId: string, afterId = 0): Promise<StoredEvent[]> {
    return structuredClone(expandRows(this.events.filter((r) => r.taskId === taskId), afterId));
  }

  async listChildren(parentId: string, component?: string, attempt?: number): Promise<TaskSnapshot[]> {
    const children: TaskSnapshot[] = [];
    for (const row of this.tasks.values()) {
      if (row.parentId !== parentId) continue;
      if (component !== undefined && row.parentComponent !== component) continue;
      if (attempt !== undefined && row.parentAttempt !== attempt) continue;
      if (!row.chosen) continue;
      children.push((await this.readTask(row.id))!);
    }
    return children.sort((a, b) => (a.sceneIndex ?? 0) - (b.sceneIndex ?? 0));
  }

  async listTakes(parentId: string, component?: string, attempt?: number): Promise<TaskRecord[]> {
    return [...this.tasks.values()]
      .filter((r) => r.parentId === parentId && (component === undefined || r.parentComponent === component) && (attempt === undefined || r.parentAttempt === attempt))
      .sort((a, b) => (a.sceneIndex ?? 0) - (b.sceneIndex ?? 0) || a.take - b.take)
      .map((r) => structuredClone(r));
  }

  async chooseTake(parentId: string, component: string, attempt: number, scene: number, take: number): Promise<boolean> {
    const takes = [...this.tasks.values()].filter((r) =>
      r.parentId === parentId && r.parentComponent === component && r.parentAttempt === attempt && r.sceneIndex === scene);
    if (!takes.some((r) => r.take === take)) return false;
    for (const r of takes) r.chosen = r.take === take;
    return true;
  }

  async mergeTaskOptions(taskId: string, options: Readonly<Record<string, unknown>>): Promise<boolean> {
    const row = this.tasks.get(taskId);
    if (!row) return false;
    const input = (row.input ?? {}) as { options?: Record<string, unknown> };
    row.input = { ...input, options: { ...input.options, ...structuredClone(options) } };
    return true;
  }

  private readonly assets: Array<AssetRecord & { id: number }> = [];
  private readonly snapshots: StoredSnapshot[] = [];

  async saveSnapshot(snapshot: NewSnapshot): Promise<StoredSnapshot> {
    const stored = { ...structuredClone(snapshot), id: this.snapshots.length + 1, createdAt: new Date() };
    this.snapshots.push(stored);
    return structuredClone(stored);
  }

  async listSnapshots(subject: string): Promise<StoredSnapshot[]> {
    return structuredClone(this.snapshots.filter((s) => s.subject === subject));
  }

  async listSnapshotsUnder(parent: string): Promise<StoredSnapshot[]> {
    return structuredClone(this.snapshots.filter((s) => s.parent === parent));
  }

  async recordAssets(assets: readonly AssetRecord[]): Promise<void> {
    for (const a of assets) this.assets.push({ ...structuredClone(a), inputs: a.inputs ?? null, stage: a.stage ?? null, scores: a.scores ?? null, id: this.assets.length + 1 });
  }

  async listAssets(taskId: string): Promise<Array<AssetRecord & { id: number }>> {
    return structuredClone(this.assets.filter((a) => a.taskId === taskId));
  }

  async getAsset(id: number): Promise<(AssetRecord & { id: number }) | undefined> {
    const a = this.assets.find((x) => x.id === id);
    return a && structuredClone(a);
  }

  async listEventsOf(taskIds: readonly string[], afterId: number, limit: number): Promise<StoredEvent[]> {
    const ids = new Set(taskIds);
    return structuredClone(expandRows(this.events.filter((r) => ids.has(r.taskId)), afterId, limit));
  }

  async countTasksByStatus(): Promise<Array<{ phase: string; status: string; count: number }>> {
    const counts = new Map<string, { phase: string; status: string; count: number }>();
    for (const t of this.tasks.values()) {
      const key = `${t.phase}/${t.status}`;
      const c = counts.get(key) ?? { phase: t.phase, status: t.status, count: 0 };
      c.count++;
      counts.set(key, c);
    }
    return [...counts.values()];
  }

  async activitySince(since: Date): Promise<ActivityStats> {
    const inWindow = [...this.tasks.values()].filter((t) => t.createdAt >= since);
    const top = inWindow.filter((t) => t.parentId === null);
    const count = (phase: TaskPhase) => top.filter((t) => t.phase === phase).length;
    const [completed, failed, cancelled] = [count(TaskPhase.completed), count(TaskPhase.failed), count(TaskPhase.cancelled)];
    const durations = top.filter((t) => t.phase === TaskPhase.completed).map((t) => t.updatedAt.getTime() - t.createdAt.getTime()).sort((a, b) => a - b);
    const ids = new Set(inWindow.map((t) => t.id));
    const runs = [...ids].flatMap((id) => this.runs.get(id) ?? []);
    const latencies = new Map<string, number[]>();
    const costs = new Map<string, number>();
    for (const a of this.assets) {
      if (!ids.has(a.taskId) || a.reused) continue;
      latencies.set(a.provider, [...(latencies.get(a.provider) ?? []), a.latencyMs]);
      if (typeof a.costUsd === 'number') costs.set(a.provider, (costs.get(a.provider) ?? 0) + a.costUsd);
    }
    return {
      since,
      tasks: { submitted: top.length, completed, failed, cancelled, unfinished: top.length - completed - failed - cancelled },
      durationMs: { p50: nearestRank(durations, 0.5) ?? null, p95: nearestRank(durations, 0.95) ?? null },
      runs: { executions: runs.reduce((sum, r) => sum + r.executions, 0), cached: runs.filter((r) => r.cached).length },
      providers: [...latencies].map(([provider, values]) => {
        const sorted = values.sort((a, b) => a - b);
        return { provider, assets: sorted.length, p50Ms: nearestRank(sorted, 0.5)!, p95Ms: nearestRank(sorted, 0.95)!, costUsd: costs.get(provider) ?? null };
      }).sort((a, b) => a.provider.localeCompare(b.provider)),
    };
  }

  async unusedAssetPaths(abandonedBefore: Date): Promise<string[]> {
    const keep = new Set<string>();
    const all = new Set<string>();
    for (const a of this.assets) {
      all.add(a.path);
      const t = this.tasks.get(a.taskId);
      const live = t && (t.phase === TaskPhase.completed || ((t.phase === TaskPhase.queued || t.phase === TaskPhase.running) && t.updatedAt >= abandonedBefore));
      if (live) keep.add(a.path);
    }
    return [...all].filter((p) => !keep.has(p));
  }

  async forgetAssets(paths: readonly string[]): Promise<void> {
    const gone = new Set(paths);
    for (let i = this.assets.length - 1; i >= 0; i--) if (gone.has(this.assets[i]!.path)) this.assets.splice(i, 1);
  }

  async finishedTasks(phase: FinishedPhase, finishedBefore: Date, cursor: FinishedCursor | undefined, limit: number): Promise<FinishedTask[]> {
    const withEvents = new Set(this.events.map((e) => e.taskId));
    const after = (t: Row) => !cursor || t.updatedAt > cursor.updatedAt || (t.updatedAt.getTime() === cursor.updatedAt.getTime() && t.id > cursor.id);
    return [...this.tasks.values()]
      .filter((t) => t.phase === phase && t.parentId === null && t.updatedAt < finishedBefore && withEvents.has(t.id) && after(t))
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map((t) => ({ id: t.id, updatedAt: new Date(t.updatedAt) }));
  }

  async childTaskIds(parentIds: readonly string[]): Promise<string[]> {
    const parents = new Set(parentIds);
    return [...this.tasks.values()].filter((t) => t.parentId !== null && parents.has(t.parentId)).map((t) => t.id);
  }

  async countHistory(taskIds: readonly string[]): Promise<HistoryCounts> {
    const ids = new Set(taskIds);
    return {
      ...NO_HISTORY,
      events: this.events.filter((r) => ids.has(r.taskId)).reduce((sum, r) => sum + r.items.length, 0),
      runs: taskIds.reduce((sum, id) => sum + (this.runs.get(id)?.length ?? 0), 0),
      rejections: this.rejections.filter((r) => ids.has(r.taskId)).length,
      requestVectors: taskIds.filter((id) => this.requests.has(id)).length,
    };
  }

  /** The memory store keeps no webhook attempts; everything else goes at once (there are no locks to hold). */
  async purgeHistory(taskIds: readonly string[]): Promise<HistoryCounts> {
    const counts = await this.countHistory(taskIds);
    const ids = new Set(taskIds);
    const drop = <T extends { taskId: string }>(rows: T[]) => {
      for (let i = rows.length - 1; i >= 0; i--) if (ids.has(rows[i]!.taskId)) rows.splice(i, 1);
    };
    drop(this.events);
    drop(this.rejections);
    for (const id of taskIds) {
      if (this.runs.has(id)) this.runs.set(id, []);
      this.requests.delete(id);
    }
    return counts;
  }

  private readonly secrets = new Map<string, string>();

  async secret(name: string, generate: () => string): Promise<string> {
    if (!this.secrets.has(name)) this.secrets.set(name, generate());
    return this.secrets.get(name)!;
  }

  async findIdleTasks(idleMs: number, limit: number): Promise<TaskSnapshot[]> {
    const before = Date.now() - idleMs;
    const idle: TaskSnapshot[] = [];
    for (const row of this.tasks.values()) {
      if (idle.length >= limit) break;
      if ((row.phase === TaskPhase.queued || row.phase === TaskPhase.running) && row.updatedAt.getTime() <= before) {
        idle.push((await this.readTask(row.id))!);
      }
    }
    return idle;
  }

  async close(): Promise<void> {}

  private pushEvents(taskId: string, events: readonly LifecycleEvent[]): void {
    for (const items of packEvents(events)) {
      this.events.push({ id: ++this.lastEventRow, taskId, legacy: false, items: structuredClone(items), createdAt: new Date() });
    }
  }
}

function isOpen(run: RunRecord): boolean {
  return run.status === RunStatus.queued || run.status === RunStatus.running;
}
