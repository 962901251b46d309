import { expect } from 'chai';
import { validateFlow } from '../../src/core/flow/compile.ts';
import type { FlowDocument } from '../../src/core/flow/document.ts';
import { catalogOf } from '../../src/core/flow/inputs.ts';
import { ProblemCode } from '../../src/core/flow/problems.ts';
import { TRANSITION_PARAMS, transitionFor } from '../../src/pipeline/transitions.ts';

/**
 * How a task's transition between scenes is chosen (the flow's params win,
 * then the tone, then a crossfade), and the load-time check of those params
 * for a handler that declares them.
 */

const catalog = catalogOf({ 'join.scenes': { params: TRANSITION_PARAMS } });

function flowWith(params: Record<string, unknown>): FlowDocument {
  return {
    flow: 'joins',
    modules: [{ module_name: 'Main', status: 'init', next_status: 'done', components: [{ component_name: 'Join', slot_index: 0, depends: [], handler: 'join.scenes', params }] }],
  };
}

describe('transitions between scenes', () => {
  it('takes the flow\'s transition over the tone, the tone\'s over the default', () => {
    expect(transitionFor({ transition: 'wipe', transition_sec: 0.4 }, { tone: 'upbeat' })).to.deep.equal({ kind: 'wipe', durationSec: 0.4 });
    expect(transitionFor({}, { tone: 'upbeat' })).to.deep.equal({ kind: 'slide', durationSec: 0.5 });
    expect(transitionFor({}, { tone: 'calm' }).kind).to.equal('crossfade');
    expect(transitionFor({}, { tone: 'playful' }).kind).to.equal('wipe');
    expect(transitionFor({}, { tone: 'serious' })).to.deep.equal({ kind: 'cut', durationSec: 0 });
    expect(transitionFor({}, {})).to.deep.equal({ kind: 'crossfade', durationSec: 0.5 });
    expect(transitionFor({ transition: 'cut' }, { tone: 'calm' }).kind).to.equal('cut');
  });

  it('accepts the declared params and refuses an unknown key, an unknown kind and a length the handles cannot hold', () => {
    expect(validateFlow(flowWith({ transition: 'slide', transition_sec: 0.3 }), { handlers: catalog }).problems).to.deep.equal([]);
    const { problems } = validateFlow(flowWith({ transition: 'dissolve', transition_sec: 2, speed: 1 }), { handlers: catalog });
    expect(problems.map((p) => p.code)).to.deep.equal([ProblemCode.handlerParams, ProblemCode.handlerParams, ProblemCode.handlerParams]);
    const messages = problems.map((p) => `${p.pointer}: ${p.message}`).join('\n');
    expect(messages).to.include('/params/transition: join.scenes params.transition must be one of cut, crossfade, slide, wipe');
    expect(messages).to.include('params.transition_sec must be a number from 0.05 to 0.53');
    expect(messages).to.include('"speed" would be ignored');
  });
});
