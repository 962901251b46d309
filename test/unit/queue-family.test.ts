import { expect } from 'chai';
import fc from 'fast-check';
import { parseFlowText } from '../../src/adapters/flow-files.ts';
import { compileFlow, validateFlow } from '../../src/core/flow/compile.ts';
import type { ComponentKind, ComponentSpec, FlowDocument } from '../../src/core/flow/document.ts';
import { QUEUE_FAMILY_PATTERN } from '../../src/core/flow/queue-family.ts';
import { componentQueueName, jobQueueName } from '../../src/adapters/redis/bullmq-queue.ts';
import { checkFamilies, workerQueues } from '../../src/runtime/worker-queues.ts';

/** A flow of `components` in one module, each depending on nothing; extra fields as given. */
function flowOf(components: Array<Partial<ComponentSpec> & { component_name: string }>, top: Partial<FlowDocument> = {}): FlowDocument {
  return {
    flow: 'families',
    ...top,
    modules: [{
      module_name: 'Only', status: 'init', next_status: 'done',
      components: components.map((c, i) => ({ slot_index: i, depends: [], handler: c.kind === 'callback' ? 'svc.ask' : 'builtin.noop', ...c })),
    }],
  };
}

const queueOf = (doc: FlowDocument, name: string) => compileFlow(doc).byName.get(name)!.queue;

describe('queue families in the flow compiler', () => {
  it('puts a component that names no queue, in a flow that names none, in family default', () => {
    expect(queueOf(flowOf([{ component_name: 'A' }]), 'A')).to.equal('default');
  });

  it('gives the flow\'s queue to the components that name none, and a component\'s own queue wins', () => {
    const doc = flowOf([{ component_name: 'A' }, { component_name: 'B', queue: 'presenter' }], { queue: 'marketing' });
    expect(queueOf(doc, 'A')).to.equal('marketing');
    expect(queueOf(doc, 'B')).to.equal('presenter');
  });

  it('serves callback components from family callbacks and fan-outs from default, whatever the flow names', () => {
    const doc = flowOf([
      { component_name: 'Ask', kind: 'callback', params: { url: 'http://127.0.0.1:1/x' } },
      { component_name: 'Gate', kind: 'approval' },
      { component_name: 'Job' },
    ], { queue: 'marketing' });
    expect(queueOf(doc, 'Ask')).to.equal('callbacks');
    expect(queueOf(doc, 'Gate')).to.equal('default');
    expect(queueOf(doc, 'Job')).to.equal('marketing');
  });

  for (const bad of ['Marketing', '9lives', '', 'a'.repeat(33), 'with space', 'under_score', '-dash']) {
    it(`refuses the component queue ${JSON.stringify(bad)} with its JSON pointer`, () => {
      const { problems, flow } = validateFlow(flowOf([{ component_name: 'A' }, { component_name: 'B', queue: bad }]));
      expect(flow).to.equal(undefined);
      expect(problems).to.have.length(1);
      expect(problems[0]!.pointer).to.equal('/modules/0/components/1/queue');
      expect(problems[0]!.message).to.match(/queue family is a lower-case letter/);
    });
  }

  it('refuses a bad flow-level queue at /queue', () => {
    const { problems } = validateFlow(flowOf([{ component_name: 'A' }], { queue: 'Bad.Name' }));
    expect(problems.map((p) => p.pointer)).to.deep.equal(['/queue']);
  });

  it('accepts a 32-character family and refuses a queue on a callback component, at its pointer', () => {
    expect(queueOf(flowOf([{ component_name: 'A', queue: `a${'b'.repeat(31)}` }]), 'A')).to.equal(`a${'b'.repeat(31)}`);
    const { problems } = validateFlow(flowOf([{ component_name: 'Ask', kind: 'callback', queue: 'marketing', params: { url: '/x' } }]));
    expect(problems.map((p) => [p.code, p.pointer])).to.deep.equal([['queue-kind', '/modules/0/components/0/queue']]);
    expect(problems[0]!.message).to.include('family "callbacks"');
  });

  it('reads a queue from a flow file as written, and leaves the hash of a flow without one unchanged', () => {
    const text = JSON.stringify(flowOf([{ component_name: 'A' }]));
    const plain = compileFlow(parseFlowText('f.json', text).document);
    expect(plain.hash).to.equal(compileFlow(flowOf([{ component_name: 'A' }])).hash);
    const withQueue = compileFlow(parseFlowText('f.json', JSON.stringify(flowOf([{ component_name: 'A', queue: 'marketing' }]))).document);
    expect(withQueue.hash).not.to.equal(plain.hash);
    expect(withQueue.byName.get('A')!.queue).to.equal('marketing');
  });

  it('property: a job\'s family is its own queue, else the flow\'s, else default; other kinds have fixed families', () => {
    const family = fc.stringMatching(QUEUE_FAMILY_PATTERN);
    const component = fc.record({
      kind: fc.constantFrom<ComponentKind>('job', 'callback', 'approval'),
      queue: fc.option(family, { nil: undefined }),
    });
    fc.assert(fc.property(fc.array(component, { minLength: 1, maxLength: 8 }), fc.option(family, { nil: undefined }), (specs, top) => {
      const doc = flowOf(
        specs.map((s, i) => ({
          component_name: `C${i}`,
          ...(s.kind === 'job' ? {} : { kind: s.kind }),
          ...(s.kind === 'callback' ? { params: { url: '/x' } } : {}),
          ...(s.kind === 'job' && s.queue !== undefined ? { queue: s.queue } : {}),
        })),
        top === undefined ? {} : { queue: top },
      );
      const flow = compileFlow(doc);
      specs.forEach((s, i) => {
        const expected = s.kind === 'job' ? (s.queue ?? top ?? 'default') : s.kind === 'callback' ? 'callbacks' : 'default';
        expect(flow.byName.get(`C${i}`)!.queue).to.equal(expected);
        expect(flow.byName.get(`C${i}`)!.queue).to.match(QUEUE_FAMILY_PATTERN);
      });
    }), { numRuns: 300 });
  });
});

describe('queue names and the queues a worker serves', () => {
  const docs = [
    flowOf([{ component_name: 'A', handler: 'builtin.noop' }, { component_name: 'B', handler: 'builtin.sleep', queue: 'marketing' }]),
  ];
  const registered = ['builtin.noop', 'builtin.sleep', 'builtin.fail'];
  const names = (qs: Array<{ family: string; handler: string }>) => qs.map((q) => `${q.family}/${q.handler}`);

  it('keeps c.<handler> for default and the engine\'s own queues, and q.<family>.c.<handler> for other families', () => {
    expect(componentQueueName('builtin.noop')).to.equal('c.builtin.noop');
    expect(componentQueueName('builtin.noop', 'marketing')).to.equal('q.marketing.c.builtin.noop');
    expect(jobQueueName({ handler: 'slotflow.callback', queue: 'callbacks' })).to.equal('c.slotflow.callback');
    expect(jobQueueName({ handler: 'builtin.noop' })).to.equal('c.builtin.noop');
  });

  it('serves every handler in default and each flow-named pair, job queues only, when no family is named', () => {
    expect(names(workerQueues(docs, registered))).to.deep.equal(['default/builtin.fail', 'default/builtin.noop', 'default/builtin.sleep', 'marketing/builtin.sleep']);
  });

  it('serves a named family\'s flow pairs, and the engine\'s own queues of that family', () => {
    expect(names(workerQueues(docs, registered, { families: ['marketing'] }))).to.deep.equal(['marketing/builtin.sleep']);
    expect(names(workerQueues(docs, registered, { families: ['callbacks'] }))).to.deep.equal(['callbacks/slotflow.callback', 'callbacks/slotflow.deadline']);
    expect(names(workerQueues(docs, registered, { families: ['default'] }))).to.deep.equal([
      'default/builtin.fail', 'default/builtin.noop', 'default/builtin.sleep', 'default/slotflow.fanout',
    ]);
  });

  it('serves the intersection when both --queues and --handlers are given', () => {
    expect(names(workerQueues(docs, registered, { families: ['default', 'marketing'], handlers: ['builtin.sleep'] }))).to.deep.equal([
      'default/builtin.sleep', 'marketing/builtin.sleep',
    ]);
    expect(names(workerQueues(docs, registered, { families: ['marketing'], handlers: ['builtin.noop'] }))).to.deep.equal([]);
  });

  it('serves a pair only an older stored version names, and no handler it does not have', () => {
    const older = flowOf([{ component_name: 'A', handler: 'builtin.noop', queue: 'marketing' }, { component_name: 'X', handler: 'not.here', queue: 'marketing' }]);
    expect(names(workerQueues([...docs, older], registered, { families: ['marketing'] }))).to.deep.equal(['marketing/builtin.noop', 'marketing/builtin.sleep']);
  });

  it('refuses a family no flow names, and a name that is not a family, saying which', () => {
    expect(() => checkFamilies(['marketing', 'callbacks', 'default'], docs)).not.to.throw();
    expect(() => checkFamilies(['nope'], docs)).to.throw('no flow names queue family "nope", so nothing would be served (known: callbacks, default, marketing)');
    expect(() => checkFamilies(['No'], docs)).to.throw(/"No" is not a queue family name/);
  });
});
