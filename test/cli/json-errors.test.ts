import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';

/** A command asked for `--json` reports its failure as `{ error: { code, message } }`, with the codes of the HTTP API. */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function slotflow(...args: string[]) {
  const result = await execa('node', ['bin/slotflow.js', ...args], { cwd: REPO, reject: false });
  return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

describe('command line --json errors', function () {
  this.timeout(30000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slotflow-json-errors-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints article-empty and exits 2 for an article with no text, as the API refuses it with 400', async () => {
    const article = path.join(dir, 'empty.md');
    await writeFile(article, '   \n\n');
    const { code, stdout, stderr } = await slotflow('render', article, '-o', path.join(dir, 'out.mp4'), '--json');
    expect(code).to.equal(2);
    const body = JSON.parse(stdout) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal('article-empty');
    expect(body.error.message).to.match(/no text/);
    expect(stderr).to.contain('no text');
  });

  it('prints unknown-flow and exits 2 for a flow that does not exist', async () => {
    const { code, stdout } = await slotflow('slots', 'decode', '0x1', '--flow', 'no-such-flow', '--json');
    expect(code).to.equal(2);
    expect((JSON.parse(stdout) as { error: { code: string } }).error.code).to.equal('unknown-flow');
  });

  it('prints invalid-usage, not a library code, for an unknown option', async () => {
    const { code, stdout } = await slotflow('slots', 'decode', '0x1', '--flow', 'bench-13', '--json', '--no-such-option');
    expect(code).to.equal(2);
    expect((JSON.parse(stdout) as { error: { code: string } }).error.code).to.equal('invalid-usage');
  });
});
