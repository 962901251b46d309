import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { execa } from 'execa';
import { openMysql } from '../../src/adapters/mysql/connection.ts';
import { startHttp } from '../../src/http/start.ts';
import { connect, type Distributed } from '../../src/runtime/composition.ts';
import type { StatsView } from '../../src/runtime/stats.ts';
import { useFreshEnv } from '../support/env.ts';

const HOUR_MS = 3_600_000;

interface SeedTask {
  phase: string;
  /** Submit to last write. */
  durationMs?: number;
  ageMs?: number;
  parent?: string;
  runs?: Array<{ executions: number; cached: boolean }>;
  assets?: Array<{ provider: string; latencyMs: number; reused?: boolean; costUsd?: number }>;
}

describe('stats of the last 24 hours (MariaDB, GET /v1/stats, slotflow stats)', function () {
  this.timeout(30000);
  let d: Distributed | undefined;
  after(async () => {
    await d?.close();
  });
  const env = useFreshEnv();
  let base = '';
  const ids: string[] = [];

  /** Rows written straight into the tables, with the times and latencies the figures below follow from. */
  async function seed(tasks: readonly SeedTask[]): Promise<void> {
    const handle = openMysql(env().settings.mysqlUrl, 1);
    try {
      const now = Date.now();
      for (const t of tasks) {
        const id = randomUUID();
        ids.push(id);
        const created = new Date(now - (t.ageMs ?? 60_000));
        const updated = new Date(created.getTime() + (t.durationMs ?? 0));
        await handle.pool.query(
          `INSERT INTO tasks (id, parent_id, flow_name, flow_hash, slot_word, in_flight, version, attempts, phase, status, input, created_at, updated_at)
           VALUES (?, ?, 'f', ?, 0, 0, 1, '{}', ?, ?, '{}', ?, ?)`,
          [id, t.parent ?? null, 'a'.repeat(64), t.phase, t.phase, created, updated],
        );
        for (const [i, r] of (t.runs ?? []).entries()) {
          await handle.pool.query(
            'INSERT INTO component_runs (task_id, component, attempt, status, executions, cached, queued_at) VALUES (?, ?, 1, ?, ?, ?, ?)',
            [id, `c${i}`, 'succeeded', r.executions, r.cached, created],
          );
        }
        for (const a of t.assets ?? []) {
          await handle.pool.query(
            'INSERT INTO assets (task_id, component, kind, provider, hash, path, bytes, latency_ms, cost_usd, reused, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)',
            [id, 'c0', 'audio', a.provider, 'b'.repeat(64), `/x/${randomUUID()}`, a.latencyMs, a.costUsd ?? null, a.reused ?? false, created],
          );
        }
      }
    } finally {
      await handle.close();
    }
  }

  before(async () => {
    const { settings } = env();
    d = connect(settings);
    base = (await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0' })).url;
    // Ten completed tasks taking 1 … 10 s; the speech provider's files took 100 … 1,000 ms.
    await seed(Array.from({ length: 10 }, (_, i) => ({
      phase: 'completed',
      durationMs: (i + 1) * 1000,
      runs: [{ executions: 1, cached: false }, { executions: 0, cached: true }],
      assets: [{ provider: 'festival', latencyMs: (i + 1) * 100 }, { provider: 'festival', latencyMs: 5, reused: true }],
    })));
    await seed([
      {
        phase: 'failed', runs: [{ executions: 3, cached: false }],
        assets: [{ provider: 'pexels', latencyMs: 700 }, { provider: 'openai-chat', latencyMs: 1500, costUsd: 0.0025 }, { provider: 'openai-chat', latencyMs: 900, costUsd: 0.0015 }],
      },
      { phase: 'failed' },
      { phase: 'cancelled' },
      { phase: 'running', runs: [{ executions: 1, cached: false }] },
      // Older than the window: counted nowhere.
      { phase: 'completed', durationMs: 500_000, ageMs: 25 * HOUR_MS, runs: [{ executions: 9, cached: true }], assets: [{ provider: 'festival', latencyMs: 99_999 }] },
    ]);
    // A scene child of the first task: its runs and files count, the task itself is not a submission.
    await seed([{ phase: 'completed', durationMs: 999_000, parent: ids[0], runs: [{ executions: 1, cached: false }], assets: [{ provider: 'ffmpeg', latencyMs: 40 }] }]);
  });

  const expected = {
    window_hours: 24,
    tasks: { submitted: 14, completed: 10, failed: 2, cancelled: 1, unfinished: 1 },
    completion_rate: 0.769,
    duration_sec: { p50: 5, p95: 10 },
    executions: { run: 10 + 3 + 1 + 1, saved_by_reuse: 10 },
    providers: [
      { provider: 'festival', assets: 10, latency_ms: { p50: 500, p95: 1000 }, cost_usd: null },
      { provider: 'ffmpeg', assets: 1, latency_ms: { p50: 40, p95: 40 }, cost_usd: null },
      { provider: 'openai-chat', assets: 2, latency_ms: { p50: 900, p95: 1500 }, cost_usd: 0.004 },
      { provider: 'pexels', assets: 1, latency_ms: { p50: 700, p95: 700 }, cost_usd: null },
    ],
  };

  it('counts the window\'s top-level tasks and gives nearest-rank percentiles of durations and provider latency', async () => {
    const res = await fetch(`${base}/v1/stats`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as StatsView;
    expect(body).to.deep.include(expected);
    const since = Date.parse(body.since);
    expect(Date.parse(body.until) - since).to.equal(24 * HOUR_MS);
  });

  it('slotflow stats prints the same, as JSON and as text', async () => {
    const asJson = await execa('node', ['bin/slotflow.js', 'stats', '--json'], { env: env().env, reject: false });
    expect(asJson.exitCode, asJson.stderr).to.equal(0);
    expect(JSON.parse(asJson.stdout)).to.deep.include(expected);
    const text = await execa('node', ['bin/slotflow.js', 'stats'], { env: env().env, reject: false });
    expect(text.exitCode, text.stderr).to.equal(0);
    expect(text.stdout).to.include('14 submitted, 10 completed, 2 failed, 1 cancelled, 1 unfinished');
    expect(text.stdout).to.include('completion rate: 76.9 %; duration p50 5.0 s, p95 10.0 s');
    expect(text.stdout).to.include('15 run, 10 saved by reuse');
    expect(text.stdout).to.match(/festival\s+10\s+500\s+1000/);
  });
});
