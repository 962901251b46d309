import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileFlow } from '../../../src/core/flow/compile.ts';
import { buildServer } from '../../../src/http/server.ts';
import { signToken } from '../../../src/runtime/callback-token.ts';
import { connect, startScheduler } from '../../../src/runtime/composition.ts';
import { engineServices, taskOutputs } from '../../../src/runtime/composition.ts';
import { chaosEnv } from '../env.ts';
import { Checks, type Scale, type ScenarioReport } from '../report.ts';

/**
 * Scenario 5, callbacks: hostile answers on `POST /v1/callbacks/:token`
 * against a task whose callback component is waiting for its external
 * service. Each must be refused with the right status, leave the task's word
 * and version as they were (and those of a bystander task), and be counted in
 * `slotflow_answers_rejected_total{reason=…}` at `GET /metrics`.
 */

export interface HostileAnswer {
  what: string;
  status: number;
  /** The `reason` label the rejection is counted under. */
  reason: string;
}

const METRIC = 'slotflow_answers_rejected_total';

/** A service that takes the work and never answers: the scenario answers for it. */
async function silentService(): Promise<{ server: Server; base: string; received: Array<{ task_id: string; attempt: number; callback_url: string }> }> {
  const received: Array<{ task_id: string; attempt: number; callback_url: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as (typeof received)[number]);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

export function rejectedCount(metricsText: string, reason: string): number {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${METRIC}{reason="${reason}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

export async function callbacks(scale: Scale): Promise<ScenarioReport> {
  const started = Date.now();
  const checks = new Checks();
  const env = await chaosEnv('callback');
  const service = await silentService();
  const settings = { ...env.settings, servicesUrl: service.base };
  const d = connect(settings);
  const services = await engineServices(settings, d.store);
  const api = buildServer({ engine: d.engine, reads: d.reads, flows: d.flows, queue: d.queue, outputs: taskOutputs, services });
  const figures = { hostile_answers: 0, refused_correctly: 0 };
  let submitted = 0;
  let completed = 0;
  try {
    const base = await api.listen({ host: '127.0.0.1', port: 0 });
    settings.publicUrl = base;
    await startScheduler(d, settings);
    const flow = compileFlow({
      flow: 'chaos-callback', version: 1,
      modules: [{ module_name: 'Work', status: 'working', next_status: 'done', components: [
        { component_name: 'Ext', slot_index: 0, depends: [], kind: 'callback', params: { url: '/work' }, timeout_ms: 120000, retry: { attempts: 2, backoff_ms: 50 } },
      ] }],
    });
    const tokenFor = async (taskId: string, attempt: number): Promise<string> => {
      for (let i = 0; i < 300; i++) {
        const got = service.received.find((r) => r.task_id === taskId && r.attempt === attempt);
        if (got) return got.callback_url.split('/').pop()!;
        await sleep(50);
      }
      throw new Error(`the service never got attempt ${attempt} of task ${taskId}`);
    };
    const post = (token: string, body: unknown, type = 'application/json') =>
      fetch(`${base}/v1/callbacks/${token}`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const metricsText = async () => (await fetch(`${base}/metrics`)).text();
    const state = async (id: string) => {
      const s = (await d.store.readTask(id))!;
      return `${s.word}/${s.version}/${s.phase}`;
    };

    const task = (await d.engine.submit({ flow, input: {} })).id;
    const bystander = (await d.engine.submit({ flow, input: {} })).id;
    submitted += 2;
    const token1 = await tokenFor(task, 1);
    const bystanderToken = await tokenFor(bystander, 1);
    const [payload, signature] = token1.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { t: string; c: string; a: number; e: number };
    const future = Date.now() + 3600_000;

    /** Sends one hostile answer and checks status, code, unchanged words, and the metric. */
    const refuse = async (what: string, send: () => Promise<Response>, status: number, reason: string) => {
      figures.hostile_answers++;
      const before = [await state(task), await state(bystander)];
      const countBefore = rejectedCount(await metricsText(), reason);
      const res = await send();
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
      const after = [await state(task), await state(bystander)];
      const countAfter = rejectedCount(await metricsText(), reason);
      const okStatus = checks.expect(`${what}: answered ${status}`, res.status === status, `got ${res.status} ${JSON.stringify(body)}`);
      const okWord = checks.expect(`${what}: the words and versions are unchanged`, before.join() === after.join(), `${before.join()} -> ${after.join()}`);
      const okMetric = checks.expect(`${what}: counted as ${METRIC}{reason="${reason}"}`, countAfter === countBefore + 1, `${countBefore} -> ${countAfter}`);
      if (okStatus && okWord && okMetric) figures.refused_correctly++;
    };

    await refuse('a forged signature', () => post(`${payload}.${randomBytes(32).toString('base64url')}`, { status: 'succeeded' }), 401, 'invalid-signature');
    const retargeted = Buffer.from(JSON.stringify({ ...claims, t: bystander })).toString('base64url');
    await refuse('a token rewritten to name another task', () => post(`${retargeted}.${signature}`, { status: 'succeeded' }), 401, 'invalid-signature');
    await refuse('a token that is not a token', () => post('not-a-token', { status: 'succeeded' }), 401, 'malformed-token');
    await refuse('an expired token', () => post(signToken({ ...claims, e: Date.now() - 1000 }, services.callbackSecret), { status: 'succeeded' }), 410, 'expired-token');
    await refuse('a signed token for a task that does not exist', () => post(signToken({ ...claims, t: randomUUID(), e: future }, services.callbackSecret), { status: 'succeeded' }), 404, 'unknown-task');
    await refuse('a signed token for a component the task does not have', () => post(signToken({ ...claims, c: 'NoSuchComponent', e: future }, services.callbackSecret), { status: 'succeeded' }), 404, 'unknown-component');
    await refuse('a body with an unknown status', () => post(token1, { status: 'maybe' }), 400, 'invalid-body');
    await refuse('a body that is not JSON', () => post(token1, '{"status":'), 400, 'invalid-body');
    await refuse('a body with an unknown field', () => post(token1, { status: 'succeeded', sneaky: true }), 400, 'invalid-body');
    await refuse('an oversize body (2 MiB)', () => post(token1, { status: 'succeeded', output: 'x'.repeat(2 * 1024 * 1024) }), 413, 'body-too-large');

    // The service fails attempt 1 (retryable): attempt 2 goes out, and attempt 1's token is stale.
    const failed = await post(token1, { status: 'failed', error: { message: 'busy', retryable: true } });
    checks.expect('a genuine failure answer for attempt 1 is accepted', failed.status === 202, `got ${failed.status}`);
    const token2 = await tokenFor(task, 2);
    await refuse('an answer for a stale attempt (1, after 2 started)', () => post(token1, { status: 'succeeded', output: {} }), 409, 'stale-attempt');

    const ok = await post(token2, { status: 'succeeded', output: { from: 'service' } });
    checks.expect('a genuine answer for attempt 2 is accepted', ok.status === 202, `got ${ok.status}`);
    await refuse('a replayed token (attempt 2 again)', () => post(token2, { status: 'succeeded', output: { replayed: true } }), 409, 'duplicate');
    await refuse('a replayed token with a failure', () => post(token2, { status: 'failed', error: 'late' }), 409, 'duplicate');

    const bystanderOk = await post(bystanderToken, { status: 'succeeded', output: {} });
    checks.expect('the bystander task is answered normally afterwards', bystanderOk.status === 202, `got ${bystanderOk.status}`);
    for (const id of [task, bystander]) if ((await d.store.readTask(id))?.phase === 'completed') completed++;
    const runs = await d.store.listRuns(task);
    checks.expect('the task kept the genuine output', JSON.stringify(runs.find((r) => r.status === 'succeeded')?.output) === JSON.stringify({ from: 'service' }),
      JSON.stringify(runs.map((r) => [r.attempt, r.status, r.output])));

    return {
      scenario: 'callbacks', scale, submitted, completed, lost: submitted - completed, duplicates: 0, causes: {},
      figures, checks: checks.list, durationMs: Date.now() - started,
    };
  } finally {
    await api.close();
    await d.close();
    service.server.closeAllConnections();
    await new Promise((r) => service.server.close(r));
    await env.dispose();
  }
}
