import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { compileFlow, validateFlow } from '../../src/core/flow/compile.ts';
import type { ComponentSpec, FlowDocument } from '../../src/core/flow/document.ts';
import { catalogOf, type HandlerCatalog } from '../../src/core/flow/inputs.ts';
import { ProblemCode } from '../../src/core/flow/problems.ts';
import { STANDARD_HANDLERS } from '../../src/handlers/catalog.ts';

/**
 * Role resolution, on plain documents and a small catalog: explicit bindings
 * win, an unbound role goes to the one dependency of the accepted type, an
 * optional role may stay unbound, a fan-out hands on its dependencies by type.
 */

const catalog: HandlerCatalog = catalogOf({
  'make.text': { produces: 'text' },
  'make.frame': { produces: 'frame' },
  'use.text': { produces: 'page', consumes: { text: { accepts: 'text' }, frame: { accepts: 'frame', optional: true } } },
});

function doc(components: ComponentSpec[]): FlowDocument {
  return { flow: 'roles', modules: [{ module_name: 'Main', status: 'init', next_status: 'done', components }] };
}

const c = (component_name: string, slot_index: number, handler: string, depends: string[] = [], extra: Partial<ComponentSpec> = {}): ComponentSpec =>
  ({ component_name, slot_index, handler, depends, ...extra });

describe('flow inputs', () => {
  it('binds an unbound role to the one dependency whose handler produces the accepted type', () => {
    const flow = compileFlow(doc([c('Words', 0, 'make.text'), c('Frame', 1, 'make.frame'), c('Page', 2, 'use.text', ['Words', 'Frame'])]), { handlers: catalog });
    expect(flow.byName.get('Page')!.inputs).to.deep.equal({ text: 'Words', frame: 'Frame' });
    expect(flow.byName.get('Page')!.outputType).to.equal('page');
  });

  it('leaves an optional role unbound when no dependency provides it', () => {
    const flow = compileFlow(doc([c('Words', 0, 'make.text'), c('Page', 1, 'use.text', ['Words'])]), { handlers: catalog });
    expect(flow.byName.get('Page')!.inputs).to.deep.equal({ text: 'Words' });
  });

  it('settles an ambiguous role with an explicit binding', () => {
    const components = [c('A', 0, 'make.text'), c('B', 1, 'make.text'), c('Page', 2, 'use.text', ['A', 'B'])];
    const ambiguous = validateFlow(doc(components), { handlers: catalog });
    expect(ambiguous.problems.map((p) => p.code)).to.deep.equal([ProblemCode.ambiguousInput]);
    components[2] = { ...components[2]!, inputs: { text: 'B' } };
    expect(compileFlow(doc(components), { handlers: catalog }).byName.get('Page')!.inputs).to.deep.equal({ text: 'B' });
  });

  it('keeps only the explicit bindings when compiled without the handlers\' declarations', () => {
    const flow = compileFlow(doc([c('A', 0, 'make.text'), c('B', 1, 'make.text'), c('Page', 2, 'use.text', ['A', 'B'], { inputs: { text: 'A' } })]));
    expect(flow.byName.get('Page')!.inputs).to.deep.equal({ text: 'A' });
    expect(flow.byName.get('B')!.inputs).to.deep.equal({});
  });

  it('hands a fan-out\'s dependencies to its children under their output types, and under any role inputs names', () => {
    const flow = compileFlow(doc([
      c('Words', 0, 'make.text'), c('Frame', 1, 'make.frame'),
      c('Each', 2, 'Each', ['Words', 'Frame'], { kind: 'fanout', fan_out: { flow: 'scene', over: 'Words.items' }, inputs: { caption: 'Words' } }),
    ]), { handlers: catalog });
    expect(flow.byName.get('Each')!.inputs).to.deep.equal({ caption: 'Words', text: 'Words', frame: 'Frame' });
    expect(flow.byName.get('Each')!.outputType).to.equal('scene[]');
  });

  it('resolves the shipped article flow\'s roles to the same providers whatever TextProcessor is called', () => {
    const text = readFileSync('flows/article-video.json', 'utf8');
    const byRole = (source: string) => {
      const flow = compileFlow(JSON.parse(source), { handlers: STANDARD_HANDLERS });
      return flow.components.map((comp) => ({ handler: comp.handler, roles: Object.keys(comp.inputs).sort() }));
    };
    const original = compileFlow(JSON.parse(text), { handlers: STANDARD_HANDLERS });
    expect(original.byName.get('VideoSynthesis')!.inputs).to.deep.equal({
      widget: 'WidgetInit', title: 'TitleCard', scenes: 'SceneRender', music: 'MusicSelector', subtitles: 'SubtitleBuilder',
    });
    expect(byRole(text.replaceAll('TextProcessor', 'ScriptWriter'))).to.deep.equal(byRole(text));
  });

  for (const name of ['article-video', 'script-video', 'prompt-video', 'fast-cut']) {
    it(`lets ${name}'s scenes start without waiting for the title card's encode`, () => {
      const flow = compileFlow(JSON.parse(readFileSync(`flows/${name}.json`, 'utf8')), { handlers: STANDARD_HANDLERS });
      expect(flow.byName.get('TitleCard')!.downstream).to.deep.equal(['VideoSynthesis']);
      expect(flow.byName.get('SubtitleBuilder')!.inputs).not.to.have.property('title');
    });
  }
});
