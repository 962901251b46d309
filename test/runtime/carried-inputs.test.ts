import { expect } from 'chai';
import type { ComponentJob } from '../../src/core/engine/task.ts';
import type { DispatchQueue } from '../../src/core/ports/queue.ts';
import type { LockManager } from '../../src/core/ports/locks.ts';
import { RunStatus } from '../../src/core/engine/transitions.ts';
import { HandlerRegistry } from '../../src/handlers/registry.ts';
import { connect, type Distributed } from '../../src/runtime/composition.ts';
import { runComponentJob } from '../../src/runtime/component-runner.ts';
import { Engine } from '../../src/runtime/engine.ts';
import { FlowCatalog } from '../../src/runtime/flow-catalog.ts';
import { RUNNING_MARK_AFTER_MS } from '../../src/runtime/running-mark.ts';
import { wideFlow } from '../../scripts/chaos/workload.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

/**
 * Jobs that carry their inputs (a new task's first components) run without a MySQL read first: a quick
 * run's row is written once, at its end, with its execution; a long one is marked running while it runs;
 * one whose attempt has closed meanwhile is aborted at the mark and dropped.
 */

/** Keeps the jobs a submit dispatches, so the test runs them itself. */
function heldQueue(): DispatchQueue & { jobs: ComponentJob[] } {
  const jobs: ComponentJob[] = [];
  return { jobs, dispatch: async (list) => void jobs.push(...list), requestSchedule: async () => {}, isLive: async () => true, close: async () => {} };
}

const noLock: LockManager = { withLock: (_key, fn) => fn(), close: async () => {} };

describe('jobs that carry their inputs', function () {
  this.timeout(60000);
  const env = useFreshEnv();
  let d: Distributed;
  const seen: unknown[] = [];
  let aborted = 0;
  const registry = new HandlerRegistry()
    .register('test.quick', async (ctx) => {
      seen.push(ctx.input);
      return { ok: true };
    })
    .register('test.slow', async (ctx) => {
      seen.push(ctx.input);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, RUNNING_MARK_AFTER_MS * 6);
        ctx.signal.addEventListener('abort', () => {
          aborted++;
          clearTimeout(timer);
          reject(ctx.signal.reason as Error);
        });
      });
      return { ok: true };
    });

  before(() => {
    d = connect(env().settings);
  });
  after(async () => {
    await d.close();
  });

  async function submitHeld(handler: string) {
    const queue = heldQueue();
    const flows = new FlowCatalog(d.store);
    const engine = new Engine({ store: d.store, flows, queue, locks: noLock });
    const input = { article: `for ${handler}` };
    const { id } = await engine.submit({ flow: wideFlow(`carried-${handler.replace(".", "-")}`, 1, handler), input });
    const job = queue.jobs.find((j) => j.component === 'C0')!;
    return { id, job, input, engine, run: () => runComponentJob(job, { engine, flows, store: d.store, queue, registry, workerId: 'carrier' }) };
  }

  it('a new task\'s first job carries the input; a quick run is recorded once, at its end, with its worker and one execution', async () => {
    const { id, job, input, run } = await submitHeld('test.quick');
    expect(job.inputs).to.deep.equal({ input, deps: {} });
    expect((await d.store.listRuns(id)).find((r) => r.component === 'C0')!.status, 'still queued before it runs').to.equal(RunStatus.queued);
    expect(await run()).to.equal('answered');
    expect(seen.at(-1)).to.deep.equal(input);
    const c0 = (await d.store.listRuns(id)).find((r) => r.component === 'C0')!;
    expect([c0.status, c0.executions, c0.worker]).to.deep.equal([RunStatus.succeeded, 1, 'carrier']);
    expect(c0.startedAt!.getTime()).to.be.at.most(c0.finishedAt!.getTime());
  });

  it('a run that outlives the grace is marked running while it runs, and counted once', async () => {
    const { id, run } = await submitHeld('test.slow');
    const running = run();
    await eventually('C0 to be marked running', async () => {
      const c0 = (await d.store.listRuns(id)).find((r) => r.component === 'C0');
      return c0?.status === RunStatus.running && c0.worker === 'carrier' ? c0 : undefined;
    }, 10000, 10);
    expect(await running).to.equal('answered');
    const c0 = (await d.store.listRuns(id)).find((r) => r.component === 'C0')!;
    expect([c0.status, c0.executions]).to.deep.equal([RunStatus.succeeded, 1]);
  });

  it('a carried job whose attempt was cancelled is aborted at the mark and dropped, its run left cancelled', async () => {
    const { id, run, engine } = await submitHeld('test.slow');
    await engine.cancel(id);
    const before = aborted;
    expect(await run()).to.equal('dropped');
    expect(aborted, 'the handler saw the abort').to.equal(before + 1);
    const c0 = (await d.store.listRuns(id)).find((r) => r.component === 'C0')!;
    expect([c0.status, c0.executions]).to.deep.equal([RunStatus.cancelled, 0]);
  });
});
