import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { expect } from 'chai';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { queueConnection } from '../../src/adapters/redis/connections.ts';
import { componentQueueName } from '../../src/adapters/redis/bullmq-queue.ts';
import { isTerminal } from '../../src/core/engine/task.ts';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { connect, defaultRegistry, type Distributed, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import type { Settings } from '../../src/settings.ts';
import { sendJson, startFakeServer } from '../providers/support/fake-http.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

/**
 * Queue families on the real MariaDB and Redis: a worker serves only the
 * families it is given, so work of another family waits in its own BullMQ
 * queue until a worker of that family starts; callbacks belong to family
 * `callbacks`. Scheduler and workers run in-process, each on a runtime of its
 * own as separate processes would.
 */

/** The flow file the workers learn their queues from (SLOTFLOW_FLOWS_DIR): Start and Side in default, Promo in marketing. */
const FLOWS_DIR = path.join(tmpdir(), `slotflow-queue-families-${process.pid}`);
mkdirSync(FLOWS_DIR, { recursive: true });
writeFileSync(path.join(FLOWS_DIR, 'families-test.json'), JSON.stringify({
  flow: 'families-test',
  modules: [{
    module_name: 'Work', status: 'working', next_status: 'done',
    components: [
      { component_name: 'Start', slot_index: 0, depends: [], handler: 'test.record' },
      { component_name: 'Side', slot_index: 1, depends: ['Start'], handler: 'test.record' },
      { component_name: 'Promo', slot_index: 2, depends: ['Start'], handler: 'test.record', queue: 'marketing' },
    ],
  }],
}));

/** A registry whose one test handler records which worker ran which component. */
function recordingRegistry(worker: string, ran: Array<[string, string]>) {
  return defaultRegistry().register('test.record', async (ctx) => {
    ran.push([worker, ctx.component]);
    return {};
  });
}

/** Jobs waiting or delayed in one BullMQ queue of this file's prefix. */
async function queued(settings: Settings, name: string): Promise<string[]> {
  const connection = queueConnection(settings.redisUrls[0]!);
  const q = new Queue(name, { connection, prefix: settings.queuePrefix });
  try {
    return (await q.getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => j.name);
  } finally {
    await q.close();
    await connection.quit();
  }
}

describe('queue families (MariaDB + Redis)', function () {
  this.timeout(60000);
  const env = useFreshEnv({ SLOTFLOW_FLOWS_DIR: FLOWS_DIR });
  const open: Distributed[] = [];
  const runtime = () => {
    const d = connect(env().settings);
    open.push(d);
    return d;
  };
  afterEach(async () => {
    for (const d of open.splice(0).reverse()) await d.close();
  });
  after(() => rmSync(FLOWS_DIR, { recursive: true, force: true }));

  it('leaves a marketing component waiting in its own queue until a marketing worker serves it', async () => {
    const { settings } = env();
    const ran: Array<[string, string]> = [];
    const scheduler = runtime();
    await startScheduler(scheduler, settings);
    const defaults = await startWorker(runtime(), settings, recordingRegistry('default', ran), { families: ['default'] });
    expect(defaults.map((q) => `${q.family}/${q.handler}`)).to.include('default/test.record').and.not.include('marketing/test.record');

    const flow = loadFlow('families-test', process.cwd(), settings.flowsDir);
    expect(flow.byName.get('Promo')!.queue).to.equal('marketing');
    const { id } = await scheduler.engine.submit({ flow, input: {} });
    const side = flow.byName.get('Side')!;
    // The event: Side's success bit set. Promo was dispatched with Side, by the same scheduling pass.
    const afterDefaults = await eventually('the default components to succeed', async () => {
      const snap = await scheduler.store.readTask(id);
      return snap && (snap.word & side.successBit) !== 0n ? snap : undefined;
    });
    expect(ran).to.have.deep.members([['default', 'Start'], ['default', 'Side']]);
    expect(isTerminal(afterDefaults.phase)).to.equal(false);
    expect(await queued(settings, componentQueueName('test.record', 'marketing'))).to.deep.equal(['Promo']);
    expect(await queued(settings, componentQueueName('test.record'))).to.deep.equal([]);
    const promo = flow.byName.get('Promo')!;
    expect((afterDefaults.inFlight & promo.successBit) !== 0n, 'Promo is claimed and waiting for a worker').to.equal(true);
    expect((afterDefaults.word & promo.bits) === 0n).to.equal(true);

    await startWorker(runtime(), settings, recordingRegistry('marketing', ran), { families: ['marketing'] });
    const done = await eventually('the task to finish', async () => {
      const snap = await scheduler.store.readTask(id);
      return snap && isTerminal(snap.phase) ? snap : undefined;
    });
    expect(done.phase).to.equal('completed');
    expect(ran).to.have.deep.members([['default', 'Start'], ['default', 'Side'], ['marketing', 'Promo']]);
    expect(await queued(settings, componentQueueName('test.record', 'marketing'))).to.deep.equal([]);
  });

  it('serves a callback component from a callbacks worker, not a default one', async () => {
    const { settings } = env();
    const service = await startFakeServer((_q, res) => sendJson(res, 202, {}));
    try {
      const scheduler = runtime();
      // The scheduler runs no engine work here, so only a worker of family callbacks can post the callback.
      await startScheduler(scheduler, settings, () => {}, { engineWork: false });
      await startWorker(runtime(), settings, defaultRegistry(), { families: ['default'] });
      const flow = compileFlow({
        flow: 'families-callback',
        modules: [{
          module_name: 'Ask', status: 'asking', next_status: 'done',
          components: [{ component_name: 'External', slot_index: 0, depends: [], kind: 'callback', handler: 'svc.external', params: { url: `${service.origin}/work` } }],
        }],
      });
      expect(flow.byName.get('External')!.queue).to.equal('callbacks');
      const { id } = await scheduler.engine.submit({ flow, input: {} });
      await eventually('the callback job to wait in its queue', async () =>
        ((await queued(settings, componentQueueName('slotflow.callback'))).includes('External') ? true : undefined));
      expect(service.requests).to.have.length(0);

      const callbacks = await startWorker(runtime(), settings, defaultRegistry(), { families: ['callbacks'] });
      expect(callbacks.map((q) => `${q.family}/${q.handler}`)).to.deep.equal(['callbacks/slotflow.callback', 'callbacks/slotflow.deadline']);
      const posted = await eventually('the service to be called', async () => service.requests[0]);
      const body = JSON.parse(posted.body.toString('utf8')) as { task_id: string; component: string; attempt: number };
      expect(body).to.include({ task_id: id, component: 'External', attempt: 1 });
      // Its deadline waits in the callbacks family's deadline queue.
      expect(await queued(settings, componentQueueName('slotflow.deadline'))).to.deep.equal(['External']);
      await scheduler.engine.answer({ taskId: id, component: 'External', attempt: 1, ok: true, output: { answered: true } });
      const done = await eventually('the task to finish', async () => {
        const snap = await scheduler.store.readTask(id);
        return snap && isTerminal(snap.phase) ? snap : undefined;
      });
      expect(done.phase).to.equal('completed');
    } finally {
      await service.close();
    }
  });

  it('counts jobs per queue with its family, for a queue another process dispatched to', async () => {
    const job = { taskId: 'f0000000-0000-4000-8000-000000000001', component: 'Count', attempt: 1, kind: 'job' as const, flowHash: 'f'.repeat(64), delayMs: 60000 };
    await runtime().queue.dispatch([{ ...job, handler: 'test.count', queue: 'presenter' }, { ...job, handler: 'test.count', queue: 'default' }]);
    const counts = await runtime().queue.jobCounts();
    const delayed = (queue: string) => counts.find((c) => c.queue === queue && c.state === 'delayed');
    expect(delayed(componentQueueName('test.count', 'presenter'))).to.include({ family: 'presenter', count: 1 });
    expect(delayed(componentQueueName('test.count'))).to.include({ family: 'default', count: 1 });
    expect(delayed(componentQueueName('slotflow.callback'))).to.include({ family: 'callbacks' });
    expect(delayed(componentQueueName('slotflow.deadline'))).to.include({ family: 'callbacks' });
    expect(delayed('schedule')).to.include({ family: 'default' });
  });
});
