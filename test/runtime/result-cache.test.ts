import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { isTerminal, TaskPhase } from '../../src/core/engine/task.ts';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { defaultRegistry, type EmbeddedRuntime, startEmbedded } from '../../src/runtime/composition.ts';
import { compileSettings } from '../../src/settings.ts';

/**
 * The result cache files a handler's output under what it reads: its inputs by role when it declares the roles it
 * consumes, else its dependencies' outputs. A handler that declares only what it produces still reads its
 * dependencies, so a changed dependency must miss the cache (it had been answered with the old output: a product
 * video stitched again after a scene retry came back as the video before it).
 */
describe('result cache keys', function () {
  this.timeout(30000);
  let dir: string;
  let rt: EmbeddedRuntime;
  let made = 0;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-result-cache-'));
    const registry = defaultRegistry()
      .register('test.count', async () => ({ n: ++made }))
      .register('test.echo', async (ctx) => ({ seen: (ctx.deps.Count as { n: number }).n }), { cache: { version: '1' }, produces: 'test-echo' });
    rt = await startEmbedded({ registry, settings: compileSettings({ ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') }) });
  });
  after(async () => {
    await rt?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const flow = compileFlow({
    flow: 'cache-keys',
    modules: [{
      module_name: 'Work', status: 'working', next_status: 'done',
      components: [
        { component_name: 'Count', slot_index: 0, depends: [], handler: 'test.count' },
        { component_name: 'Echo', slot_index: 1, depends: ['Count'], handler: 'test.echo' },
      ],
    }],
  });

  async function echoOf(): Promise<{ output: unknown; cached: boolean }> {
    const { id } = await rt.engine.submit({ flow, input: {} });
    for (;;) {
      const snap = (await rt.reads.readTask(id))!;
      if (isTerminal(snap.phase)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await rt.reads.getTask(id))!.phase).to.equal(TaskPhase.completed);
    const run = (await rt.reads.listRuns(id)).find((r) => r.component === 'Echo')!;
    return { output: run.output, cached: run.cached };
  }

  it('misses the cache of a handler that declares what it produces but no roles when its dependency answered otherwise', async () => {
    const first = await echoOf();
    const second = await echoOf();
    expect(first).to.deep.equal({ output: { seen: 1 }, cached: false });
    expect(second).to.deep.equal({ output: { seen: 2 }, cached: false });
  });
});
