import { execa } from 'execa';
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What `slotflow render` loads before it works: its command and everything the embedded render imports, in a process
 * of its own. Neither MySQL's, Redis's nor BullMQ's client (the embedded mode needs none), nor ajv (the flow
 * validator is compiled ahead), nor the English model (loaded at its first use): together about 0.7 s of a start.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('what a render loads', function () {
  this.timeout(60_000);

  it('loads no database, Redis or queue client, no schema compiler and no language model until they are used', async () => {
    const script = [
      "await import('./src/cli/commands/render.ts');",
      "await import('./src/pipeline/render-job.ts');",
      "const { createRequire } = await import('node:module');",
      "console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));",
    ].join('\n');
    const { stdout } = await execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT });
    const files = JSON.parse(stdout) as string[];
    const packages = new Set(files.map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter(Boolean));
    // The check can see packages at all: the render's own ones are there.
    expect([...packages]).to.include.members(['winston', '@resvg/resvg-js']);
    for (const name of ['mysql2', 'ioredis', 'bullmq', 'drizzle-orm', 'wink-eng-lite-web-model']) expect(packages.has(name), name).to.equal(false);
    // The compiled flow validator needs one of ajv's runtime helpers, not its compiler.
    expect(files.filter((f) => f.includes('/node_modules/ajv/') && !f.includes('/node_modules/ajv/dist/runtime/'))).to.deep.equal([]);
  });
});
