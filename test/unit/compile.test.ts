import { expect } from 'chai';
import { loadFlow, parseFlowText } from '../../src/adapters/flow-files.ts';
import { canonicalJson, compileFlow } from '../../src/core/flow/compile.ts';
import { FlowValidationError } from '../../src/core/flow/problems.ts';

describe('flow compiler', () => {
  const flow = loadFlow('article-video');

  it('keeps the seed\'s slot numbers for TextProcessor, FootageGenerator and MaterialSearch', () => {
    const masks = (name: string) => {
      const c = flow.byName.get(name)!;
      return [c.slot, c.successBit, c.failBit];
    };
    expect(masks('TextProcessor')).to.deep.equal([2, 16n, 32n]);
    expect(masks('FootageGenerator')).to.deep.equal([3, 64n, 128n]);
    expect(masks('MaterialSearch')).to.deep.equal([4, 256n, 512n]);
    for (const name of ['TextProcessor', 'FootageGenerator', 'MaterialSearch']) {
      expect(flow.byName.get(name)!.depends).to.include.members(['TextUnderstanding', 'WidgetInit']);
    }
  });

  it('computes the dependency mask as the OR of the dependencies\' success bits', () => {
    expect(flow.byName.get('TextProcessor')!.dependsMask).to.equal(0b0101n);
  });

  it('orders every dependency before its dependents', () => {
    const position = new Map(flow.order.map((n, i) => [n, i]));
    expect(flow.order).to.have.length(flow.components.length);
    for (const c of flow.components) for (const d of c.depends) expect(position.get(d)!).to.be.below(position.get(c.name)!);
  });

  it('gives the resume mask of a component its own bits and its whole downstream closure', () => {
    const c = flow.byName.get('SpeechSynthesis')!;
    expect(c.downstream).to.include.members(['MaterialClipper', 'SubtitleBuilder', 'SceneRender', 'VideoSynthesis']);
    expect(c.downstream).not.to.include('TextProcessor');
    const expected = [c.name, ...c.downstream].reduce((m, n) => m | flow.byName.get(n)!.bits, 0n);
    expect(c.resumeMask).to.equal(expected);
  });

  it('hashes the content, not the formatting or key order', () => {
    const doc = flow.document;
    const reordered = JSON.parse(canonicalJson(doc)) as unknown;
    expect(compileFlow(reordered).hash).to.equal(flow.hash);
    const edited = structuredClone(doc);
    edited.modules[0]!.components[0]!.timeout_ms = 1234;
    expect(compileFlow(edited).hash).not.to.equal(flow.hash);
  });

  it('accepts masks as numbers, decimal strings and hex strings, and 2^63 for slot 31', () => {
    const text = JSON.stringify({
      flow: 'masks',
      modules: [{
        module_name: 'M', status: 'a', next_status: 'b',
        components: [
          { component_name: 'Hex', slot_index: 1, slot_num_success: '0x4', slot_num_fail: '8', depends: [] },
        ],
      }],
    }).replace('"depends":[]}', '"depends":[]},{"component_name":"Top","slot_index":31,"slot_num_success":4611686018427387904,"slot_num_fail":9223372036854775808,"depends":[]}');
    const compiled = compileFlow(parseFlowText('masks.json', text).document);
    expect(compiled.byName.get('Top')!.failBit).to.equal(1n << 63n);
  });

  it('refuses to compile a flow with errors and says which', () => {
    expect(() => compileFlow({ flow: 'x', modules: [] })).to.throw(FlowValidationError, /at least 1/);
  });
});
