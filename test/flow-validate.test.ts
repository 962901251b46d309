import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { checkFlowFile, ROUTING_FILES } from '../src/adapters/flow-files.ts';
import { type FlowProblem, ProblemCode } from '../src/core/flow/problems.ts';

/**
 * Each file in test/fixtures/flows/bad/ holds one kind of mistake. For each we
 * check the exact problem the validator reports: its code, the JSON pointer an
 * editor would jump to, and that the message names the specific fault (the
 * cycle's path, the suggested name, the right mask values), not just that
 * something failed.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const FIXTURES = path.join(HERE, 'fixtures', 'flows');
const BAD = path.join(FIXTURES, 'bad');
const WARN = path.join(FIXTURES, 'warn');
const GOOD = path.join(FIXTURES, 'good');
const SHIPPED = path.join(REPO, 'flows');

const jsonFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

const C0 = '/modules/0/components/0';
const C1 = '/modules/0/components/1';
const C2 = '/modules/0/components/2';

interface BadCase {
  /** The fixture's file name in bad/. */
  file: string;
  /** The behaviour, as the test's name. */
  title: string;
  code: ProblemCode;
  pointer: string;
  /** Every one of these must appear in (or match) the message. */
  message: Array<string | RegExp>;
}

const BAD_CASES: BadCase[] = [
  {
    file: 'parse-error.json',
    title: 'reports JSON that does not parse, with the line of the fault',
    code: ProblemCode.parse,
    pointer: '',
    // The stray `]` after the trailing comma is on line 11, column 7 (character offset 277).
    message: ['not valid JSON', /line 11\b/],
  },
  {
    file: 'missing-modules.json',
    title: 'reports a missing required top-level property',
    code: ProblemCode.schema,
    pointer: '',
    message: ['missing required property "modules"'],
  },
  {
    file: 'wrong-type.json',
    title: 'reports a value of the wrong type at its pointer',
    code: ProblemCode.schema,
    pointer: `${C1}/slot_index`,
    message: ['expected integer'],
  },
  {
    file: 'unknown-property.json',
    title: 'reports an unknown property and names the allowed ones',
    code: ProblemCode.schema,
    pointer: `${C0}/timeout`,
    // `timeout` is a slip for `timeout_ms`; the message should point the author there.
    message: ['unknown property "timeout"', 'timeout_ms'],
  },
  {
    file: 'duplicate-component.json',
    title: 'reports a component name used twice across modules, with the first place',
    code: ProblemCode.duplicateComponent,
    pointer: '/modules/1/components/0/component_name',
    message: ['duplicate component name "A"', 'first at /modules/0/components/0'],
  },
  {
    file: 'duplicate-module.json',
    title: 'reports a module name used twice, with the first place',
    code: ProblemCode.duplicateModule,
    pointer: '/modules/1/module_name',
    message: ['duplicate module name "Main"', 'first at /modules/0'],
  },
  {
    file: 'duplicate-slot.json',
    title: 'reports a slot_index used by two components, naming both',
    code: ProblemCode.duplicateSlot,
    pointer: `${C1}/slot_index`,
    message: ['slot_index 0', '"B"', 'already used by "A"'],
  },
  {
    file: 'slot-out-of-range.json',
    title: 'reports a slot_index outside 0..31',
    code: ProblemCode.slotRange,
    pointer: `${C1}/slot_index`,
    message: ['slot_index 32', 'outside 0..31'],
  },
  {
    file: 'success-mask-mismatch.json',
    title: 'reports a slot_num_success that is not 2^(2i), with the right value',
    code: ProblemCode.maskMismatch,
    pointer: `${C1}/slot_num_success`,
    message: ['slot_num_success is 2', 'slot_index 1 needs 4 (2^2)'],
  },
  {
    file: 'fail-mask-mismatch.json',
    title: 'reports a slot_num_fail written as a hex string that is not 2^(2i+1), with the right value',
    code: ProblemCode.maskMismatch,
    pointer: `${C1}/slot_num_fail`,
    message: ['slot_num_fail is 0x10', 'slot_index 1 needs 8 (2^3)'],
  },
  {
    file: 'mask-near-2-63.json',
    title: 'reports slot_num_fail 2^63-1 on slot 31 although a double would round it to 2^63',
    code: ProblemCode.maskMismatch,
    pointer: `${C0}/slot_num_fail`,
    message: ['slot_num_fail is 9223372036854775807', 'slot_index 31 needs 9223372036854775808 (2^63)'],
  },
  {
    file: 'mask-near-2-63-exponent.json',
    title: 'reports slot_num_fail 2^63-1 on slot 31 also when written in exponent notation',
    code: ProblemCode.maskMismatch,
    pointer: `${C0}/slot_num_fail`,
    // 9.223372036854775807e18 is exactly 2^63-1, not the 2^63 that slot 31 needs.
    message: ['needs 9223372036854775808'],
  },
  {
    file: 'unknown-dependency.json',
    title: 'reports an unknown dependency and suggests the closest name',
    code: ProblemCode.unknownDependency,
    pointer: `${C2}/depends/0`,
    message: ['unknown dependency "TextUnderstandin"', 'did you mean "TextUnderstanding"?'],
  },
  {
    file: 'self-dependency.json',
    title: 'reports a component that depends on itself',
    code: ProblemCode.selfDependency,
    pointer: `${C1}/depends/1`,
    message: ['"B" depends on itself'],
  },
  {
    file: 'duplicate-dependency.json',
    title: 'reports a dependency listed twice',
    code: ProblemCode.duplicateDependency,
    pointer: `${C1}/depends/1`,
    message: ['"A" is listed twice in depends'],
  },
  {
    file: 'cycle.json',
    title: 'reports a dependency cycle with its path',
    code: ProblemCode.cycle,
    pointer: `${C1}/depends`,
    message: ['dependency cycle: A -> B -> C -> A'],
  },
  {
    file: 'unknown-fan-out-flow.json',
    title: 'reports a fan_out.flow that names no flow and suggests the closest one',
    code: ProblemCode.unknownFanOutFlow,
    pointer: `${C1}/fan_out/flow`,
    message: ['"scenes"', 'does not exist', 'did you mean "scene"?'],
  },
  {
    file: 'fanout-without-fan-out.json',
    title: 'reports kind fanout without a fan_out',
    code: ProblemCode.schema,
    pointer: C1,
    message: ['missing required property "fan_out"'],
  },
  {
    file: 'fan-out-without-fanout-kind.json',
    title: 'reports fan_out on a component that is not kind fanout',
    code: ProblemCode.schema,
    pointer: `${C1}/fan_out`,
    message: ['fan_out is only allowed with "kind": "fanout"'],
  },
  {
    file: 'fan-out-over-non-dependency.json',
    title: 'reports fan_out.over reading a component that is not a dependency',
    code: ProblemCode.fanOutSource,
    pointer: `${C2}/fan_out/over`,
    message: ['fan_out.over reads "Script"', 'not among this component\'s dependencies (Clipper)'],
  },
  {
    file: 'fan-out-without-dependencies.json',
    title: 'reports fan_out.over on a component with no dependencies to read from',
    code: ProblemCode.fanOutSource,
    pointer: `${C0}/fan_out/over`,
    message: ['has no dependencies'],
  },
  {
    file: 'builtin-params.json',
    title: 'reports params given to builtin.noop, which takes none',
    code: ProblemCode.builtinParams,
    pointer: `${C0}/params/ms`,
    message: ['builtin.noop takes no params', '"ms" would be ignored'],
  },
  {
    file: 'builtin-param-type.json',
    title: 'reports a builtin param of the wrong type',
    code: ProblemCode.builtinParams,
    pointer: `${C0}/params/ms`,
    message: ['builtin.sleep params.ms must be a non-negative integer'],
  },
  {
    file: 'unknown-builtin.json',
    title: 'reports an unknown builtin handler and lists the known ones',
    code: ProblemCode.unknownBuiltin,
    pointer: `${C0}/handler`,
    message: ['unknown builtin handler "builtin.nop"', 'builtin.noop', 'builtin.sleep'],
  },
  {
    file: 'unknown-builtin-by-name.json',
    title: 'points at component_name for an unknown builtin taken from the component name',
    code: ProblemCode.unknownBuiltin,
    // There is no `handler` in this file: the handler defaults to the component name.
    pointer: `${C0}/component_name`,
    message: ['unknown builtin handler "builtin.nop"'],
  },
  {
    file: 'input-unknown-component.json',
    title: 'reports an input bound to a component that does not exist and suggests the closest name',
    code: ProblemCode.unknownInput,
    pointer: `${C1}/inputs/understanding`,
    message: ['input "understanding" names component "TextUnderstandin"', 'does not exist', 'did you mean "TextUnderstanding"?'],
  },
  {
    file: 'input-missing-provider.json',
    title: 'reports a required role that no dependency provides, naming the role, its type and the dependencies',
    code: ProblemCode.missingInput,
    pointer: `${C1}/depends`,
    message: ['"text.process" needs input "understanding"', 'output type "understanding"', 'no dependency of "Writer"', 'depends: WidgetInit'],
  },
  {
    file: 'input-unknown-role.json',
    title: 'reports an input binding for a role the handler does not consume, listing the roles it does',
    code: ProblemCode.unknownRole,
    pointer: `${C1}/inputs/story`,
    message: ['"text.process" consumes only understanding', 'no role "story"'],
  },
  {
    file: 'input-not-dependency.json',
    title: 'reports an input bound to a component that is not among depends',
    code: ProblemCode.inputNotDependency,
    pointer: `${C2}/inputs/understanding`,
    message: ['names "Other"', 'not among this component\'s dependencies (TextUnderstanding)'],
  },
  {
    file: 'input-ambiguous.json',
    title: 'reports a role two dependencies could provide and shows the binding that settles it',
    code: ProblemCode.ambiguousInput,
    pointer: `${C2}/depends`,
    message: ['could come from "First" or "Second"', '"inputs": { "understanding": "First" }'],
  },
  {
    file: 'input-wrong-type.json',
    title: 'reports an input bound to a dependency whose output has another type',
    code: ProblemCode.inputType,
    pointer: `${C2}/inputs/understanding`,
    message: ['takes output type "understanding"', '"WidgetInit" produces "widget"'],
  },
];

function describeProblems(problems: readonly FlowProblem[]): string {
  return problems.map((p) => `${p.severity} ${p.code} ${p.pointer || '(root)'}: ${p.message}`).join('\n') || '(none)';
}

describe('flow validation', () => {
  describe('bad flow files (test/fixtures/flows/bad)', () => {
    for (const c of BAD_CASES) {
      it(`${c.title} [${c.file}]`, () => {
        const checked = checkFlowFile(path.join(BAD, c.file));
        const seen = describeProblems(checked.problems);
        expect(checked.problems, `exactly one problem expected, got:\n${seen}`).to.have.lengthOf(1);
        const [problem] = checked.problems as [FlowProblem];
        expect(problem.severity, seen).to.equal('error');
        expect(problem.code, seen).to.equal(c.code);
        expect(problem.pointer, seen).to.equal(c.pointer);
        for (const part of c.message) {
          if (typeof part === 'string') expect(problem.message).to.include(part);
          else expect(problem.message).to.match(part);
        }
        expect(checked.flow, 'an invalid flow must not compile').to.equal(undefined);
      });
    }

    it('has a case in the table for every fixture, and a fixture for every case', () => {
      const tabled = BAD_CASES.map((c) => c.file).sort();
      expect(new Set(tabled).size, 'a fixture is listed twice in the table').to.equal(tabled.length);
      expect(jsonFiles(BAD)).to.deep.equal(tabled);
      expect(tabled.length).to.be.at.least(17);
    });
  });

  it('checks with the validator compiled from the schema as it stands (src/core/flow/flow-validator.generated.ts)', async () => {
    const { FLOW_VALIDATOR, flowValidatorSource } = await import('../scripts/flow-validator.ts');
    expect(readFileSync(FLOW_VALIDATOR, 'utf8'), 'the flow validator is out of date: run npx tsx scripts/flow-validator.ts').to.equal(flowValidatorSource());
  });

  it('finds no problem at all in the shipped flows', () => {
    // The mode routing beside the flows is no flow (src/product/modes.ts).
    const files = jsonFiles(SHIPPED).filter((f) => !ROUTING_FILES.has(f));
    expect(files).to.include.members(['article-video.json', 'bench-13.json', 'scene.json']);
    for (const f of files) {
      const checked = checkFlowFile(path.join(SHIPPED, f));
      expect(checked.problems, `${f}:\n${describeProblems(checked.problems)}`).to.deep.equal([]);
      expect(checked.flow, f).to.not.equal(undefined);
    }
  });

  it('accepts the good fixtures, with the masks of slot 31 (2^62, 2^63) written as JSON numbers', () => {
    for (const f of jsonFiles(GOOD)) {
      const checked = checkFlowFile(path.join(GOOD, f));
      expect(checked.problems, `${f}:\n${describeProblems(checked.problems)}`).to.deep.equal([]);
      expect(checked.flow, f).to.not.equal(undefined);
    }
    const slot31 = checkFlowFile(path.join(GOOD, 'slot-31.json')).flow!;
    expect(slot31.byName.get('Last')?.failBit).to.equal(1n << 63n);
    expect(slot31.ownedBits).to.equal(0xc000000000000003n);
  });

  it('reports a broken status chain as a warning only, and the flow still compiles', () => {
    expect(jsonFiles(WARN)).to.deep.equal(['status-chain.json']);
    const checked = checkFlowFile(path.join(WARN, 'status-chain.json'));
    const seen = describeProblems(checked.problems);
    expect(checked.problems, seen).to.have.lengthOf(1);
    const [problem] = checked.problems as [FlowProblem];
    expect(problem.severity).to.equal('warning');
    expect(problem.code).to.equal(ProblemCode.statusChain);
    expect(problem.pointer).to.equal('/modules/0/next_status');
    expect(problem.message).to.include('"First" ends in status "generating"');
    expect(problem.message).to.include('"Second" starts in "rendering"');
    expect(checked.flow, 'warnings must not stop the flow from compiling').to.not.equal(undefined);
  });
});
