import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ROUTING_FILES } from '../../src/adapters/flow-files.ts';
import { execa } from 'execa';
import { slotflowIntoHead } from '../support/cli.ts';

/**
 * The real command line, run as `node bin/slotflow.js ...` from the repo root:
 * what it prints and the exit code (docs/cli.md: 0 ok, 1 bad or failed, 2 usage).
 * Every invocation starts a node process (~0.5 s), so each one earns its keep.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BAD = 'test/fixtures/flows/bad';
const SLOT_31_FLOW = 'test/fixtures/flows/good/slot-31.json';
const WORD_MASK = (1n << 64n) - 1n;

async function slotflow(...args: string[]) {
  const result = await execa('node', ['bin/slotflow.js', ...args], { cwd: REPO, reject: false });
  return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

interface Decoded {
  word: string;
  hex: string;
  flow: string;
  version: number;
  status: string;
  components: Array<{ module: string; component: string; slot: number; state: string }>;
  modules: Array<{ module: string; state: string }>;
  unknown_bits: string;
}

const DECODE_KEYS = ['word', 'hex', 'flow', 'version', 'status', 'components', 'modules', 'unknown_bits'];
const COMPONENT_KEYS = ['module', 'component', 'slot', 'state'];
const MODULE_KEYS = ['module', 'state'];

function parseDecoded(stdout: string): Decoded {
  const decoded = JSON.parse(stdout) as Decoded;
  expect(Object.keys(decoded)).to.have.members(DECODE_KEYS);
  for (const c of decoded.components) expect(Object.keys(c)).to.have.members(COMPONENT_KEYS);
  for (const m of decoded.modules) expect(Object.keys(m)).to.have.members(MODULE_KEYS);
  return decoded;
}

function statesOf(decoded: Decoded): Record<string, string> {
  return Object.fromEntries(decoded.components.map((c) => [c.component, c.state]));
}

interface FlowFileShape {
  modules: Array<{ module_name: string; components: Array<{ component_name: string; slot_index: number }> }>;
}

function readFlow(name: string): FlowFileShape {
  return JSON.parse(readFileSync(path.join(REPO, 'flows', `${name}.json`), 'utf8')) as FlowFileShape;
}

function componentNames(flow: FlowFileShape): string[] {
  return flow.modules.flatMap((m) => m.components.map((c) => c.component_name));
}

describe('command line (node bin/slotflow.js)', function () {
  this.timeout(30000);

  describe('flow validate', () => {
    it('exits 0 on the shipped flows (the default flows/*.json)', async () => {
      // The mode routing beside the flows (product-modes.json) is no flow file.
      const shipped = readdirSync(path.join(REPO, 'flows')).filter((f) => f.endsWith('.json') && !ROUTING_FILES.has(f));
      const { code, stdout, stderr } = await slotflow('flow', 'validate');
      expect(stderr).to.equal('');
      expect(stdout).to.include(`${shipped.length} flow file(s) checked: 0 error(s), 0 warning(s)`);
      expect(code).to.equal(0);
    });

    it('exits 1 on bad flows and prints each problem as FILE:JSON_POINTER: message on stderr', async () => {
      const cycle = `${BAD}/cycle.json`;
      const unknown = `${BAD}/unknown-dependency.json`;
      const warn = 'test/fixtures/flows/warn/status-chain.json';
      const { code, stdout, stderr } = await slotflow('flow', 'validate', cycle, unknown, warn);
      expect(stderr.split('\n')).to.deep.equal([
        `${cycle}:/modules/0/components/1/depends: dependency cycle: A -> B -> C -> A`,
        `${unknown}:/modules/0/components/2/depends/0: unknown dependency "TextUnderstandin" (did you mean "TextUnderstanding"?)`,
        `${warn}:/modules/0/next_status: warning: module "First" ends in status "generating" but the next module "Second" starts in "rendering"`,
      ]);
      expect(stdout).to.include('3 flow file(s) checked: 2 error(s), 1 warning(s)');
      expect(code).to.equal(1);
    });

    it('exits 1 on bad inputs bindings and prints each as FILE:JSON_POINTER: message', async () => {
      const missing = `${BAD}/input-unknown-component.json`;
      const unprovided = `${BAD}/input-missing-provider.json`;
      const role = `${BAD}/input-unknown-role.json`;
      const { code, stdout, stderr } = await slotflow('flow', 'validate', missing, unprovided, role);
      expect(stderr.split('\n')).to.deep.equal([
        `${missing}:/modules/0/components/1/inputs/understanding: input "understanding" names component "TextUnderstandin", which does not exist (did you mean "TextUnderstanding"?)`,
        `${unprovided}:/modules/0/components/1/depends: handler "text.process" needs input "understanding" (output type "understanding"), but no dependency of "Writer" produces one (depends: WidgetInit)`,
        `${role}:/modules/0/components/1/inputs/story: handler "text.process" consumes only understanding; there is no role "story" to bind`,
      ]);
      expect(stdout).to.include('3 flow file(s) checked: 3 error(s), 0 warning(s)');
      expect(code).to.equal(1);
    });
  });

  describe('slots decode', () => {
    it('decodes 0x50 on article-video: TextProcessor and FootageGenerator succeeded, the rest pending', async () => {
      const { code, stdout } = await slotflow('slots', 'decode', '0x50', '--flow', 'article-video', '--json');
      expect(code).to.equal(0);
      const decoded = parseDecoded(stdout);
      expect(decoded).to.deep.include({ word: '80', hex: '0x50', flow: 'article-video', status: 'init', unknown_bits: '0x0' });
      expect(decoded.version).to.be.a('number');
      const names = componentNames(readFlow('article-video'));
      expect(decoded.components.map((c) => c.component)).to.deep.equal(names);
      const expected = Object.fromEntries(
        names.map((n) => [n, n === 'TextProcessor' || n === 'FootageGenerator' ? 'succeeded' : 'pending']),
      );
      expect(statesOf(decoded)).to.deep.equal(expected);
      expect(decoded.components.find((c) => c.component === 'TextProcessor')).to.deep.equal({
        module: 'ScriptAssign', component: 'TextProcessor', slot: 2, state: 'succeeded',
      });
      expect(decoded.components.find((c) => c.component === 'FootageGenerator')).to.deep.equal({
        module: 'MaterialVoice', component: 'FootageGenerator', slot: 3, state: 'succeeded',
      });
    });

    it('decodes 2^64-1 as every component skipped plus the unowned bits, and exits 1', async () => {
      const flow = readFlow('article-video');
      const slots = flow.modules.flatMap((m) => m.components.map((c) => c.slot_index));
      const owned = slots.reduce((mask, s) => mask | (3n << BigInt(2 * s)), 0n);
      const unowned = '0x' + (~owned & WORD_MASK).toString(16);
      expect(unowned).to.equal('0xfffffffffc000000'); // 13 components in slots 0..12

      const { code, stdout, stderr } = await slotflow('slots', 'decode', '18446744073709551615', '--flow', 'article-video', '--json');
      const decoded = parseDecoded(stdout);
      expect(decoded.word).to.equal('18446744073709551615');
      expect(decoded.hex).to.equal('0xffffffffffffffff');
      expect(decoded.components).to.have.lengthOf(13);
      expect(decoded.components.every((c) => c.state === 'skipped')).to.equal(true);
      expect(decoded.unknown_bits).to.equal(unowned);
      expect(stderr).to.include(unowned);
      expect(code).to.equal(1);
    });

    it('reads hex above 2^63 exactly, on a flow given by file path with a component in slot 31', async () => {
      const { code, stdout } = await slotflow('slots', 'decode', '0x8000000000000000', '--flow', SLOT_31_FLOW, '--json');
      const decoded = parseDecoded(stdout);
      expect(decoded).to.deep.include({ word: '9223372036854775808', hex: '0x8000000000000000', flow: 'slot-31', version: 2, unknown_bits: '0x0' });
      expect(decoded.components).to.deep.equal([
        { module: 'Ends', component: 'First', slot: 0, state: 'pending' },
        { module: 'Ends', component: 'Last', slot: 31, state: 'failed' },
      ]);
      expect(decoded.status).to.equal('failed');
      expect(code).to.equal(0);
    });

    it('refuses a word above 2^64-1 as a usage error', async () => {
      const { code, stderr } = await slotflow('slots', 'decode', '18446744073709551616', '--flow', 'article-video');
      expect(stderr).to.include('18446744073709551616');
      expect(code).to.equal(2);
    });

    it('refuses a word that is not a number as a usage error', async () => {
      const { code, stderr } = await slotflow('slots', 'decode', 'abc', '--flow', 'article-video');
      expect(stderr).to.include('"abc"');
      expect(code).to.equal(2);
    });
  });

  describe('slots encode', () => {
    it('encodes Root=succeeded Leaf11=skipped on bench-13 as 16777219, and decoding gives the states back', async () => {
      const encoded = await slotflow('slots', 'encode', '--flow', 'bench-13', 'Root=succeeded', 'Leaf11=skipped', '--json');
      expect(encoded.code).to.equal(0);
      const { word, hex } = JSON.parse(encoded.stdout) as { word: string; hex: string };
      expect(word).to.equal('16777219'); // Root is slot 12: 2^24; Leaf11 is slot 0 skipped: 0b11
      expect(hex).to.equal('0x1000003');

      const back = await slotflow('slots', 'decode', word, '--flow', 'bench-13', '--json');
      expect(back.code).to.equal(0);
      const decoded = parseDecoded(back.stdout);
      expect(decoded.unknown_bits).to.equal('0x0');
      const expected = Object.fromEntries(componentNames(readFlow('bench-13')).map((n) => [n, 'pending']));
      expected.Root = 'succeeded';
      expected.Leaf11 = 'skipped';
      expect(statesOf(decoded)).to.deep.equal(expected);
    });
  });

  describe('flow graph', () => {
    it('draws article-video as mermaid, edges from dependency to dependent', async () => {
      const { code, stdout } = await slotflow('flow', 'graph', 'article-video', '--format', 'mermaid');
      expect(code).to.equal(0);
      expect(stdout).to.match(/^flowchart /);
      expect(stdout.split('\n').map((l) => l.trim())).to.include('TextUnderstanding --> TextProcessor');
    });

    it('draws article-video as dot', async () => {
      const { code, stdout } = await slotflow('flow', 'graph', 'article-video', '--format', 'dot');
      expect(code).to.equal(0);
      expect(stdout).to.match(/^digraph "article-video" \{/);
      expect(stdout).to.include('"TextUnderstanding" -> "TextProcessor"');
    });
  });

  describe('output piped into head', () => {
    for (const args of [['flow', 'graph', 'article-video'], ['flow', 'graph', 'article-video', '--format', 'dot'], ['slots', 'decode', '0x50', '--flow', 'article-video'], ['slots', 'decode', '0x50', '--flow', 'article-video', '--json']]) {
      it(`ends quietly with exit 0 when head stops reading: slotflow ${args.join(' ')} | head -n 1`, async () => {
        const { code, stdout, stderr } = await slotflowIntoHead(args);
        expect(stderr).to.equal('');
        expect(stdout).to.equal('first');
        expect(code).to.equal(0);
      });
    }
  });

  describe('usage errors exit 2', () => {
    it('on an unknown command', async () => {
      const { code, stderr } = await slotflow('frobnicate');
      expect(stderr).to.include('frobnicate');
      expect(code).to.equal(2);
    });

    it('on slots decode without --flow', async () => {
      const { code, stderr } = await slotflow('slots', 'decode', '0x50');
      expect(stderr).to.include('--flow');
      expect(code).to.equal(2);
    });

    it('on slots encode with a state that does not exist', async () => {
      const { code, stderr } = await slotflow('slots', 'encode', '--flow', 'bench-13', 'Root=bogus');
      expect(stderr).to.include('Root=bogus');
      expect(code).to.equal(2);
    });
  });
});
