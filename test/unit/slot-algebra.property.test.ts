import { expect } from 'chai';
import fc from 'fast-check';
import { compileFlow, type CompiledFlow } from '../../src/core/flow/compile.ts';
import type { FlowDocument } from '../../src/core/flow/document.ts';
import {
  parseWord, SLOT_STATES, slotBits, slotState, type SlotState, toHex, withSlotState, WORD_MASK, WordRangeError,
} from '../../src/core/slot.ts';
import {
  clearForResume, decode, encode, fail, hasFailed, initialWord, isComplete, moduleStates, runnable, skip, succeed,
  taskStatus,
} from '../../src/core/word.ts';

/**
 * The laws the scheduler relies on, checked on random flows and random words.
 * Random flows are acyclic by construction: a component may only depend on
 * components declared before it.
 */

const word = fc.bigInt({ min: 0n, max: WORD_MASK });
const slotIndex = fc.integer({ min: 0, max: 31 });
const state = fc.constantFrom(...SLOT_STATES);

const flowArb: fc.Arbitrary<CompiledFlow> = fc
  .integer({ min: 1, max: 32 })
  .chain((n) =>
    fc.tuple(
      fc.shuffledSubarray([...Array(32).keys()], { minLength: n, maxLength: n }),
      fc.array(fc.array(fc.nat(), { maxLength: 4 }), { minLength: n, maxLength: n }),
      fc.integer({ min: 1, max: Math.min(4, n) }),
    ),
  )
  .map(([slots, depPicks, moduleCount]) => {
    const names = slots.map((s) => `C${s}`);
    const components = slots.map((slot, i) => ({
      component_name: names[i]!,
      slot_index: slot,
      depends: i === 0 ? [] : [...new Set(depPicks[i]!.map((p) => names[p % i]!))],
      handler: 'builtin.noop',
    }));
    const per = Math.ceil(components.length / moduleCount);
    const modules = [];
    for (let m = 0; m * per < components.length; m++) {
      modules.push({
        module_name: `M${m}`,
        status: `s${m}`,
        next_status: `s${m + 1}`,
        components: components.slice(m * per, (m + 1) * per),
      });
    }
    const doc: FlowDocument = { flow: 'random', version: 1, modules };
    return compileFlow(doc);
  });

/** A word whose owned slots are random and whose unowned bits are clear. */
const flowAndWord = flowArb.chain((flow) =>
  fc.tuple(fc.constant(flow), word.map((w) => w & flow.ownedBits), word.map((w) => w & flow.successMask)),
);

const inRange = (w: bigint) => w >= 0n && w <= WORD_MASK;

describe('slot algebra (properties)', () => {
  it('setting one slot changes no other slot\'s bits and reads back', () => {
    fc.assert(
      fc.property(word, slotIndex, state, (w, s, st) => {
        const next = withSlotState(w, s, st);
        expect((next ^ w) & ~slotBits(s) & WORD_MASK).to.equal(0n);
        expect(slotState(next, s)).to.equal(st);
        expect(inRange(next)).to.equal(true);
      }),
    );
  });

  it('succeed, fail and skip touch only their own slot', () => {
    fc.assert(
      fc.property(flowAndWord, fc.nat(), ([flow, w], pick) => {
        const c = flow.components[pick % flow.components.length]!;
        for (const [op, expected] of [[succeed, 'succeeded'], [fail, 'failed'], [skip, 'skipped']] as const) {
          const next = op(w, c);
          expect((next ^ w) & ~c.bits).to.equal(0n);
          expect(slotState(next, c.slot)).to.equal(expected);
        }
      }),
    );
  });

  it('never lists a component with a pending or failed dependency as runnable', () => {
    fc.assert(
      fc.property(flowAndWord, ([flow, w, inFlight]) => {
        for (const c of runnable(flow, w, inFlight)) {
          expect(slotState(w, c.slot)).to.equal('pending');
          expect(inFlight & c.successBit).to.equal(0n);
          for (const dep of c.depends) {
            expect(['succeeded', 'skipped']).to.include(slotState(w, flow.byName.get(dep)!.slot));
          }
        }
      }),
    );
  });

  it('lists every pending, idle component whose dependencies are all satisfied', () => {
    fc.assert(
      fc.property(flowAndWord, ([flow, w, inFlight]) => {
        const listed = new Set(runnable(flow, w, inFlight).map((c) => c.name));
        for (const c of flow.components) {
          const ready =
            slotState(w, c.slot) === 'pending' &&
            (inFlight & c.successBit) === 0n &&
            c.depends.every((d) => ['succeeded', 'skipped'].includes(slotState(w, flow.byName.get(d)!.slot)));
          expect(listed.has(c.name)).to.equal(ready);
        }
      }),
    );
  });

  it('lists runnable components in dependency order', () => {
    fc.assert(
      fc.property(flowAndWord, ([flow, w]) => {
        const order = flow.order;
        const positions = runnable(flow, w).map((c) => order.indexOf(c.name));
        expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
      }),
    );
  });

  it('clearing for resume resets the closure, except skipped slots, and leaves every other slot unchanged', () => {
    fc.assert(
      fc.property(flowAndWord, fc.nat(), ([flow, w], pick) => {
        const c = flow.components[pick % flow.components.length]!;
        const cleared = clearForResume(w, c);
        const closure = new Set([c.name, ...c.downstream]);
        for (const other of flow.components) {
          if (closure.has(other.name)) expect(slotState(cleared, other.slot)).to.equal(slotState(w, other.slot) === 'skipped' ? 'skipped' : 'pending');
          else expect(slotState(cleared, other.slot)).to.equal(slotState(w, other.slot));
        }
        expect(inRange(cleared)).to.equal(true);
      }),
    );
  });

  it('puts every transitive dependent in the downstream closure', () => {
    fc.assert(
      fc.property(flowArb, (flow) => {
        for (const c of flow.components) {
          const down = new Set(c.downstream);
          for (const d of flow.components) {
            if (d.depends.some((dep) => dep === c.name || down.has(dep))) expect(down.has(d.name)).to.equal(true);
          }
        }
      }),
    );
  });

  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(flowArb.chain((flow) => fc.tuple(fc.constant(flow), fc.array(state, { minLength: flow.components.length, maxLength: flow.components.length }))), ([flow, states]) => {
        const wanted: Record<string, SlotState> = {};
        flow.components.forEach((c, i) => (wanted[c.name] = states[i]!));
        const decoded = decode(flow, encode(flow, wanted));
        expect(Object.fromEntries(decoded.components.map((c) => [c.component, c.state]))).to.deep.equal(wanted);
        expect(decoded.unknown_bits).to.equal('0x0');
      }),
    );
  });

  it('encodes what it decodes, and reports exactly the unowned bits', () => {
    fc.assert(
      fc.property(flowArb, word, (flow, w) => {
        const decoded = decode(flow, w);
        const states = Object.fromEntries(decoded.components.map((c) => [c.component, c.state]));
        const unknown = BigInt(decoded.unknown_bits);
        expect(encode(flow, states) | unknown).to.equal(w);
        expect(unknown & flow.ownedBits).to.equal(0n);
        expect(BigInt(decoded.word)).to.equal(w);
      }),
    );
  });

  it('reads words back from decimal and hex, and refuses anything outside 64 bits', () => {
    fc.assert(
      fc.property(word, (w) => {
        expect(parseWord(w.toString())).to.equal(w);
        expect(parseWord(toHex(w))).to.equal(w);
      }),
    );
    expect(() => parseWord((WORD_MASK + 1n).toString())).to.throw(WordRangeError);
    expect(() => parseWord('-1')).to.throw(SyntaxError);
  });

  it('derives failed exactly when some slot is failed, and the final status only when complete', () => {
    fc.assert(
      fc.property(flowAndWord, ([flow, w]) => {
        const anyFailed = flow.components.some((c) => slotState(w, c.slot) === 'failed');
        expect(hasFailed(flow, w)).to.equal(anyFailed);
        const status = taskStatus(flow, w);
        if (anyFailed) expect(status).to.equal('failed');
        else if (isComplete(flow, w)) expect(status).to.equal(flow.modules.at(-1)!.nextStatus);
        else {
          const first = flow.modules.find((m) =>
            m.components.some((n) => !['succeeded', 'skipped'].includes(slotState(w, flow.byName.get(n)!.slot))),
          )!;
          expect(status).to.equal(first.status);
        }
      }),
    );
  });

  it('calls a module succeeded only when each of its slots succeeded or was skipped', () => {
    fc.assert(
      fc.property(flowAndWord, ([flow, w, inFlight]) => {
        moduleStates(flow, w, inFlight).forEach((st, i) => {
          const states = flow.modules[i]!.components.map((n) => slotState(w, flow.byName.get(n)!.slot));
          expect(st === 'succeeded').to.equal(states.every((s) => s === 'succeeded' || s === 'skipped'));
          expect(st === 'failed').to.equal(states.includes('failed'));
        });
      }),
    );
  });

  it('runs every flow to completion by repeatedly succeeding what is runnable', () => {
    fc.assert(
      fc.property(flowArb, (flow) => {
        let w = 0n;
        for (let step = 0; step <= flow.components.length; step++) {
          const ready = runnable(flow, w);
          if (ready.length === 0) break;
          for (const c of ready) w = succeed(w, c);
        }
        expect(isComplete(flow, w)).to.equal(true);
      }),
    );
  });

  it('starts a task with exactly the slots whose when does not match skipped', () => {
    const flow = compileFlow({
      flow: 'branchy',
      modules: [
        {
          module_name: 'M',
          status: 'a',
          next_status: 'b',
          components: [
            { component_name: 'Portrait', slot_index: 5, depends: [], when: { 'options.format': ['9:16', '1:1'] } },
            { component_name: 'Wide', slot_index: 6, depends: [], when: { 'options.format': '16:9' } },
            { component_name: 'After', slot_index: 7, depends: ['Portrait', 'Wide'] },
          ],
        },
      ],
    });
    const w = initialWord(flow, { options: { format: '9:16' } });
    expect(slotState(w, 5)).to.equal('pending');
    expect(slotState(w, 6)).to.equal('skipped');
    expect(slotState(w, 7)).to.equal('pending');
    expect(runnable(flow, w).map((c) => c.name)).to.deep.equal(['Portrait']);
    expect(runnable(flow, succeed(w, flow.byName.get('Portrait')!)).map((c) => c.name)).to.deep.equal(['After']);
  });
});
