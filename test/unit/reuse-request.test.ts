import { expect } from 'chai';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { MemoryStore } from '../../src/adapters/memory/memory-store.ts';
import { pipelineReuseRequest } from '../../src/pipeline/reuse-request.ts';
import { taskOutputs } from '../../src/runtime/composition.ts';
import { FlowCatalog } from '../../src/runtime/flow-catalog.ts';
import { RequestReuse, settingsHash } from '../../src/runtime/reuse/request-reuse.ts';

/** What of a request reuse compares and what must be equal; and that a doubt runs the task fresh. */
describe('reuse requests', () => {
  it('compares the article title and body, and keeps every option but reuse in the settings', () => {
    const r = pipelineReuseRequest({ article: { title: 'Coffee', body: 'A cup.' }, options: { format: '9:16', music: false, reuse: false } })!;
    expect(r.text).to.equal('Coffee\nA cup.');
    expect(r.settings).to.deep.equal({ format: '9:16', music: false });
    expect(r.enabled).to.equal(false);
    expect(pipelineReuseRequest({ article: { body: 'A cup.' }, options: {} })!.enabled).to.equal(true);
  });

  it('compares a script by its scenes, with its language and number of scenes in the settings', () => {
    const r = pipelineReuseRequest({ script: { language: 'en', scenes: [{ text: 'One.', keywords: ['cup'] }, { text: 'Two.' }] }, options: { voice: 'flite' } })!;
    expect(r.text).to.equal('\nOne. cup\nTwo.');
    expect(r.settings).to.deep.equal({ voice: 'flite', script_language: 'en', script_scenes: 2 });
  });

  it('compares a prompt as it is', () => {
    const r = pipelineReuseRequest({ prompt: 'a coffee cup on a wooden table', options: { duration_s: 30 } })!;
    expect(r.text).to.equal('a coffee cup on a wooden table');
    expect(r.settings).to.deep.equal({ duration_s: 30 });
  });

  it('has nothing to compare for an input that is no article or script', () => {
    expect(pipelineReuseRequest({ bench: 1 })).to.equal(undefined);
    expect(pipelineReuseRequest(null)).to.equal(undefined);
  });

  it('keys settings by the flow version: the same options of another flow version never match', () => {
    expect(settingsHash({ hash: 'a' }, { format: '1:1' })).to.not.equal(settingsHash({ hash: 'b' }, { format: '1:1' }));
    expect(settingsHash({ hash: 'a' }, { format: '1:1', music: false })).to.equal(settingsHash({ hash: 'a' }, { music: false, format: '1:1' }));
  });

  it('runs fresh (finds nothing, throws nothing) when the embedder fails', async () => {
    const store = new MemoryStore();
    const embedder = { id: 'broken', embed: async () => Promise.reject(new Error('service down')) };
    const reuse = new RequestReuse({ store, flows: new FlowCatalog(store), outputs: taskOutputs, embedder, describe: pipelineReuseRequest, similarity: 0.98 });
    expect(await reuse.find(loadFlow('article-video', process.cwd()), { article: { body: 'A cup.' }, options: {} })).to.equal(undefined);
  });
});
