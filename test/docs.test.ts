import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Command } from 'commander';
import { PACKAGE_ROOT } from '../src/adapters/flow-files.ts';
import { buildProgram, main } from '../src/cli/main.ts';
import { loadFlow } from '../src/adapters/flow-files.ts';
import { compileFlow } from '../src/core/flow/compile.ts';
import { decode } from '../src/core/word.ts';
import { buildServer } from '../src/http/server.ts';
import { flowDirsOf, meta, speechFromSettings } from '../src/http/meta.ts';
import { PIPELINE_SIGNATURES } from '../src/pipeline/signatures.ts';
import { webFiles } from '../src/http/web-files.ts';

/**
 * Keeps docs/ honest: every command, option and route the code registers is
 * documented, every documented route exists, every field of the flow schema
 * is described, and the worked example of the flow page means what it says.
 */

function doc(name: string): string {
  return readFileSync(path.join(PACKAGE_ROOT, 'docs', name), 'utf8');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text under a heading, up to the next heading of the same or a higher level. */
function section(text: string, heading: string): string | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === heading);
  if (start < 0) return undefined;
  const level = /^#+/.exec(heading)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

interface Leaf {
  path: string;
  options: string[];
}

function leafCommands(cmd: Command, prefix: string[] = []): Leaf[] {
  return cmd.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => {
      const here = [...prefix, c.name()];
      if (c.commands.some((s) => s.name() !== 'help')) return leafCommands(c, here);
      const options = c.options.map((o) => o.long).filter((l): l is string => l !== undefined && l !== '--help');
      return [{ path: here.join(' '), options }];
    });
}

/** `METHOD /path` of every route, read from fastify's route tree (HEAD left out: fastify adds it to every GET). */
async function registeredRoutes(): Promise<string[]> {
  const app = buildServer({ engine: {} as never, reads: {} as never, flows: {} as never, outputs: {} as never, services: {} as never });
  await app.ready();
  const tree = app.printRoutes({ commonPrefix: false });
  await app.close();
  const routes: string[] = [];
  const parents: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)[└├]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const full = (depth === 0 ? '' : parents[depth - 1]!) + m[2]!;
    parents[depth] = full;
    parents.length = depth + 1;
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter((s) => s && s !== 'HEAD')) routes.push(`${method} ${full}`);
  }
  return routes;
}

/**
 * The page's files are one route each; the page documents them as a group, `GET /js/…` for a folder.
 * A route is documented when the text names it, or names a folder it is in that way.
 */
function namesRoute(text: string, route: string): boolean {
  const [method, url] = route.split(' ') as [string, string];
  const folders = url.split('/').slice(1, -1).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}/…`);
  return [url, ...folders].some((u) => new RegExp(`${escape(`${method} ${u}`)}(?![\\w/:.-])`).test(text));
}

// Describe blocks are synchronous, so the program (its command modules load on demand) is built first.
const program = await buildProgram({ out: () => {}, err: () => {} });

describe('docs', () => {
  describe('docs/cli.md', () => {
    const text = doc('cli.md');
    const leaves = leafCommands(program);

    it('finds the registered commands to check', () => {
      expect(leaves.map((l) => l.path)).to.include.members(['flow validate', 'slots decode', 'task submit', 'render', 'serve']);
    });

    for (const leaf of leaves) {
      it(`has a section for slotflow ${leaf.path} naming each of its options`, () => {
        const body = section(text, `### \`slotflow ${leaf.path}\``);
        expect(body, `no "### \`slotflow ${leaf.path}\`" section`).to.be.a('string');
        for (const option of leaf.options) {
          expect(body, `slotflow ${leaf.path}: ${option} is not documented`).to.match(new RegExp(`${escape(option)}(?![\\w-])`));
        }
      });
    }

    it('names every field slotflow config --json prints', async () => {
      const lines: string[] = [];
      expect(await main(['node', 'slotflow', 'config', '--json'], { out: (l) => lines.push(l), err: () => {} })).to.equal(0);
      const printed = JSON.parse(lines.join('\n')) as { settings: Array<Record<string, unknown>>; ffmpeg: Record<string, unknown> };
      const fields = [...Object.keys(printed), ...Object.keys(printed.settings[0]!), ...Object.keys(printed.ffmpeg)];
      const body = section(text, '### `slotflow config`')!;
      // A field counts as named in a code span of its own, under its parent (`ffmpeg.path`) or as a list (`settings[]`).
      expect(fields.filter((f) => !new RegExp(`\`(?:\\w+\\.)?${f}(?:\`|\\.|\\[)`).test(body))).to.deep.equal([]);
    });

    it('documents no command section that the command line does not register', () => {
      const known = new Set(leaves.map((l) => l.path));
      const documented = [...text.matchAll(/^### `slotflow ([^`]+)`$/gm)].map((m) => m[1]!);
      expect(documented.filter((d) => !known.has(d))).to.deep.equal([]);
    });
  });

  describe('docs/http-api.md', () => {
    const text = doc('http-api.md');

    it('names every route the server registers', async () => {
      const routes = await registeredRoutes();
      expect(routes).to.include.members(['GET /healthz', 'POST /v1/tasks', 'GET /v1/tasks/:id/events', 'POST /v1/callbacks/:token']);
      const missing = routes.filter((r) => !namesRoute(text, r));
      expect(missing).to.deep.equal([]);
    });

    it('counts a page file as named only through its own path or a folder it is in', () => {
      const pageRoutes = webFiles(path.join(PACKAGE_ROOT, 'web')).map((f) => `GET ${f.route}`);
      expect(pageRoutes).to.include.members(['GET /', 'GET /js/main.js', 'GET /js/views/task.js']);
      expect(namesRoute('`GET /js/…`', 'GET /js/views/task.js')).to.equal(true);
      expect(namesRoute('`GET /js/…`', 'GET /css/site.css')).to.equal(false);
      expect(namesRoute('`GET /js/main.js`', 'GET /js/dom.js')).to.equal(false);
    });

    it('names every field GET /v1/meta answers with', async () => {
      const answer = await meta({ resolveFlow: (name) => loadFlow(name), flowDirs: flowDirsOf(undefined), speech: speechFromSettings(undefined, undefined) });
      expect(answer.voices.length, 'the bundled speech provider lists voices').to.be.greaterThan(0);
      const fields = [...Object.keys(answer), ...Object.keys(answer.flows[0]!), ...Object.keys(answer.formats[0]!), ...Object.keys(answer.voices[0]!)];
      const body = section(text, '### `GET /v1/meta`')!;
      expect(fields.filter((f) => !body.includes(`\`${f}\``) && !body.includes(`"${f}"`))).to.deep.equal([]);
    });

    it('lists in its route table only routes the server has', async () => {
      const routes = new Set(await registeredRoutes());
      const table = section(text, '## Routes')!.split('\n').filter((l) => l.startsWith('|'));
      const listed = table.flatMap((l) => [...l.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s]*)`/g)].map((m) => `${m[1]} ${m[2]}`));
      expect(listed.length).to.be.greaterThan(5);
      // `GET /js/…` stands for the files of a folder: some route must be in it.
      const exists = (r: string) => (r.endsWith('/…') ? [...routes].some((known) => known.startsWith(r.slice(0, -1))) : routes.has(r));
      expect(listed.filter((r) => !exists(r))).to.deep.equal([]);
    });
  });

  describe('docs/flows.md', () => {
    const text = doc('flows.md');
    const schema = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'schema', 'flow.schema.json'), 'utf8')) as {
      properties: Record<string, unknown>;
      $defs: { module: { properties: Record<string, unknown> }; component: { properties: Record<string, { properties?: Record<string, unknown> }> } };
    };

    it('describes every field of the flow schema', () => {
      const component = schema.$defs.component.properties;
      const fields = [
        ...Object.keys(schema.properties),
        ...Object.keys(schema.$defs.module.properties),
        ...Object.keys(component),
        ...Object.keys(component.retry!.properties!),
        ...Object.keys(component.fan_out!.properties!),
      ];
      expect(fields.filter((f) => !text.includes(`\`${f}\``))).to.deep.equal([]);
    });

    it('lists what every pipeline handler produces and reads, as signatures.ts declares it', () => {
      const rows = new Map([...section(text, '## Inputs')!.matchAll(/^\| `([\w.]+)` \| `([^`]+)` \| (.*) \|$/gm)].map((m) => [m[1]!, m]));
      for (const [handler, signature] of Object.entries(PIPELINE_SIGNATURES)) {
        const row = rows.get(handler);
        expect(row, `${handler} is not in the table of ## Inputs`).to.not.equal(undefined);
        expect(row![2], `${handler} produces`).to.equal(signature.produces);
        const listed = row![3] === 'none' ? [] : row![3]!.split(', ').map((r) => {
          const m = /^`([\w-]+)`(?: \(`([^`]+)`\))?( optional)?$/.exec(r);
          expect(m, `${handler}: cannot read "${r}"`).to.not.equal(null);
          return { role: m![1]!, accepts: m![2] ?? m![1]!, optional: m![3] !== undefined };
        });
        const declared = Object.entries(signature.consumes ?? {}).map(([role, spec]) => ({ role, accepts: spec.accepts, optional: spec.optional === true }));
        expect(listed, `${handler} reads`).to.deep.equal(declared);
      }
      expect([...rows.keys()].filter((h) => !(h in PIPELINE_SIGNATURES))).to.deep.equal([]);
    });

    it('has a worked example that compiles and decodes word 13 as the page says', () => {
      const example = /```json\n([\s\S]*?)\n```/.exec(text)![1]!;
      const flow = compileFlow(JSON.parse(example));
      const decoded = decode(flow, 13n);
      expect(decoded.status).to.equal('review');
      expect(decoded.components.map((c) => `${c.component}=${c.state}`)).to.deep.equal([
        'Fetch=succeeded', 'Translate=skipped', 'Approve=pending', 'Publish=pending',
      ]);
      expect(text).to.include('Prepare (succeeded)  Translate     1  skipped');
    });
  });

  describe('links between the pages', () => {
    /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
    const anchor = (heading: string) => heading.toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
    const dir = path.join(PACKAGE_ROOT, 'docs');

    it('point at headings that exist on pages that exist', () => {
      const broken: string[] = [];
      for (const page of readdirSync(dir).filter((f) => f.endsWith('.md'))) {
        for (const [, target, hash] of doc(page).matchAll(/\]\(([\w.-]*\.md)?#([\w-]+)\)/g)) {
          const file = target ?? page;
          // A page another part of the project writes may not be here yet; its anchors are checked once it is.
          if (!existsSync(path.join(dir, file))) continue;
          const headings = [...doc(file).matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!));
          if (!headings.includes(hash!)) broken.push(`${page} -> ${file}#${hash}`);
        }
      }
      expect(broken).to.deep.equal([]);
    });
  });
});
