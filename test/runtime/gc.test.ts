import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { isTerminal } from '../../src/core/engine/task.ts';
import { defaultRegistry } from '../../src/runtime/composition.ts';
import { connect, type Distributed, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { collectGarbage, DEFAULT_GC } from '../../src/runtime/gc.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

describe('asset garbage collection (MariaDB)', function () {
  this.timeout(60000);
  let d: Distributed;
  after(async () => d?.close());
  const env = useFreshEnv();
  before(async () => {
    const { settings } = env();
    d = connect(settings);
    await startScheduler(d, settings);
    await startWorker(d, settings, defaultRegistry());
  });

  it('removes assets only failed tasks made, and keeps those a completed task uses', async () => {
    const { settings } = env();
    const assets = new AssetStore(settings.dataDir);
    const done = await d.engine.submit({ flow: loadFlow('test/fixtures/flows/runtime/dag-14.json'), input: {} });
    const failed = await d.engine.submit({ flow: loadFlow('test/fixtures/flows/runtime/branches.json'), input: {} });
    for (const id of [done.id, failed.id]) {
      await eventually('the task to finish', async () => ((s) => (s && isTerminal(s.phase) ? s : undefined))(await d.store.readTask(id)));
    }
    const put = async (text: string) => {
      const f = await assets.scratch('.txt');
      await writeFile(f, text);
      return assets.put(f);
    };
    const shared = await put('used by both');
    const orphan = await put('used only by the failed task');
    const record = (taskId: string, a: { path: string; hash: string; bytes: number }) => ({
      taskId, component: 'A', scene: null, kind: 'test', provider: 'test', hash: a.hash, path: a.path, bytes: a.bytes, latencyMs: 1, reused: false,
    });
    await d.store.recordAssets([record(done.id, shared), record(failed.id, shared), record(failed.id, orphan)]);

    const dry = await collectGarbage(d.store, assets, { ...DEFAULT_GC, dryRun: true });
    expect(dry.assets).to.deep.equal([orphan.path]);
    expect(existsSync(orphan.path)).to.equal(true);
    const report = await collectGarbage(d.store, assets);
    expect(report.assets).to.deep.equal([orphan.path]);
    expect(existsSync(orphan.path)).to.equal(false);
    expect(existsSync(shared.path)).to.equal(true);
    expect((await d.store.listAssets(failed.id)).map((a) => a.path)).to.deep.equal([shared.path]);
  });
});
