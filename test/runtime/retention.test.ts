import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { execa } from 'execa';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import type { Rows } from '../../src/adapters/mysql/connection.ts';
import { isTerminal, TaskPhase } from '../../src/core/engine/task.ts';
import { NO_HISTORY } from '../../src/core/ports/task-history.ts';
import { connect, defaultRegistry, type Distributed, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { DEFAULT_RETENTION, purgeFinishedHistory } from '../../src/runtime/retention.ts';
import { taskView } from '../../src/runtime/task-view.ts';
import { videoOutputs } from '../../src/pipeline/task-outputs.ts';
import { REPO } from '../support/cli.ts';
import { eventually, useFreshEnv } from '../support/env.ts';
import { createTaskWithId } from '../support/tasks.ts';

const DAY_MS = 24 * 3600 * 1000;

describe('retention of finished tasks (MariaDB)', function () {
  this.timeout(60000);
  let d: Distributed;
  after(async () => d?.close());
  const env = useFreshEnv();
  const ids = { completed: '', failed: '', cancelled: '', child: '', grandchild: '', recent: '', queuedOld: '' };

  const sql = async (statement: string, values: unknown[] = []) => (await d.store.handle.pool.query<Rows>(statement, values))[0];
  const history = (taskIds: string[]) => d.store.countHistory(taskIds);
  const finish = async (id: string) =>
    eventually('the task to finish', async () => ((s) => (s && isTerminal(s.phase) ? s : undefined))(await d.store.readTask(id)));

  before(async () => {
    const { settings } = env();
    d = connect(settings);
    await startScheduler(d, settings);
    await startWorker(d, settings, defaultRegistry());
    ids.completed = (await d.engine.submit({ flow: loadFlow('test/fixtures/flows/runtime/dag-14.json'), input: {} })).id;
    ids.failed = (await d.engine.submit({ flow: loadFlow('test/fixtures/flows/runtime/branches.json'), input: {} })).id;
    ids.recent = (await d.engine.submit({ flow: loadFlow('test/fixtures/flows/runtime/dag-14.json'), input: {} })).id;
    for (const id of [ids.completed, ids.failed, ids.recent]) await finish(id);
    // No scheduler from here on: the tasks made below by hand must stay as they are made, not be run by the sweeper.
    await d.close();
    d = connect(settings);
    ids.cancelled = randomUUID();
    ids.child = randomUUID();
    ids.grandchild = randomUUID();
    ids.queuedOld = randomUUID();
    await createTaskWithId(d, ids.cancelled);
    await createTaskWithId(d, ids.child, { parentId: ids.completed });
    await createTaskWithId(d, ids.grandchild, { parentId: ids.child });
    await createTaskWithId(d, ids.queuedOld);
    await sql('UPDATE tasks SET phase = ? WHERE id = ?', [TaskPhase.cancelled, ids.cancelled]);
    await sql('UPDATE tasks SET phase = ? WHERE id IN (?)', [TaskPhase.completed, [ids.child, ids.grandchild]]);
    const now = new Date();
    await sql(`INSERT INTO webhook_attempts (event_id, task_id, attempt, url, status_code, ok, created_at) VALUES (1, ?, 1, 'http://x', 200, 1, ?), (2, ?, 1, 'http://x', 200, 1, ?)`,
      [ids.completed, now, ids.recent, now]);
    await sql(`INSERT INTO answer_rejections (task_id, component, attempt, reason, created_at) VALUES (?, 'A', 1, 'stale', ?), (?, 'A', 1, 'stale', ?)`,
      [ids.failed, now, ids.queuedOld, now]);
    await sql(`INSERT INTO request_vectors (task_id, settings_hash, embedder, bucket, vector, created_at) VALUES (?, ?, 'lexical', 'b', '{}', ?)`,
      [ids.completed, 'f'.repeat(64), now]);
    // Forty days ago: past the default thirty. The queued one is old too but unfinished, so it keeps its rows.
    const old = new Date(Date.now() - 40 * DAY_MS);
    await sql('UPDATE tasks SET updated_at = ? WHERE id IN (?)', [old, [ids.completed, ids.failed, ids.cancelled, ids.child, ids.grandchild, ids.queuedOld]]);
  });

  it('a dry run counts the old finished tasks\' rows and deletes nothing', async () => {
    const oldIds = [ids.completed, ids.failed, ids.cancelled, ids.child, ids.grandchild];
    const before = await history(oldIds);
    expect(before.events).to.be.greaterThan(14);
    expect(before.runs).to.be.greaterThan(14);
    expect(before).to.include({ webhookAttempts: 1, rejections: 1, requestVectors: 1 });
    const report = await purgeFinishedHistory(d.store, { ...DEFAULT_RETENTION, dryRun: true });
    expect(report).to.deep.equal({ tasks: 3, children: 2, rows: before });
    expect(await history(oldIds)).to.deep.equal(before);
  });

  it('deletes the history of old finished tasks and their children, in small batches, and keeps the rest', async () => {
    const kept = [ids.recent, ids.queuedOld];
    const keptBefore = await history(kept);
    expect(keptBefore.events).to.be.greaterThan(0);
    const oldIds = [ids.completed, ids.failed, ids.cancelled, ids.child, ids.grandchild];
    const expected = await history(oldIds);
    // One task per page and two rows per DELETE, so every loop goes round more than once.
    const report = await purgeFinishedHistory(d.store, { ...DEFAULT_RETENTION, pageSize: 1, batch: 2 });
    expect(report).to.deep.equal({ tasks: 3, children: 2, rows: expected });
    expect(await history(oldIds)).to.deep.equal(NO_HISTORY);
    expect(await history(kept)).to.deep.equal(keptBefore);
    // The task rows stay: the task is still shown, with no runs.
    const shown = await d.store.readTask(ids.completed);
    expect(shown?.phase).to.equal(TaskPhase.completed);
    expect(await d.store.listRuns(ids.completed)).to.deep.equal([]);
    const view = (await taskView({ reads: d.reads, flows: d.flows, outputs: videoOutputs }, ids.completed))!;
    expect(view.phase).to.equal(TaskPhase.completed);
    expect(view.components.length).to.be.greaterThan(0);
    expect(view.components.every((c) => c.executions === 0)).to.equal(true);
    expect(await purgeFinishedHistory(d.store)).to.deep.equal({ tasks: 0, children: 0, rows: NO_HISTORY });
  });

  it('keeps tasks finished within the retention period', async () => {
    const before = await history([ids.recent]);
    expect(await purgeFinishedHistory(d.store, { ...DEFAULT_RETENTION, retainDays: 1 })).to.deep.equal({ tasks: 0, children: 0, rows: NO_HISTORY });
    expect(await history([ids.recent])).to.deep.equal(before);
  });

  it('slotflow gc --retain-days 0 --dry-run counts the recent task, deletes nothing, and refuses a bad number', async () => {
    const before = await history([ids.recent]);
    const run = (args: string[]) => execa('node', ['bin/slotflow.js', 'gc', ...args], { cwd: REPO, env: env().env, reject: false, detached: true });
    const dry = await run(['--retain-days', '0', '--dry-run']);
    expect(dry.exitCode, String(dry.stderr)).to.equal(0);
    expect(String(dry.stdout)).to.contain(`would delete the history of 1 task(s) finished over 0 day(s) ago and 0 child task(s): ${before.events} event(s), ${before.runs} run(s), 1 webhook attempt(s)`);
    expect(await history([ids.recent])).to.deep.equal(before);
    const bad = await run(['--retain-days', 'soon']);
    expect(bad.exitCode).to.equal(2);
    expect(String(bad.stderr)).to.contain('--retain-days takes a number of days');
  });
});
