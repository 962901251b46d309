import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DPDM = path.join(ROOT, 'node_modules/.bin/dpdm');

/** Runs dpdm as `npm run cycles` does, on the given glob; the exit code tells whether it found a cycle. */
async function cycles(glob: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(DPDM, ['--no-warning', '--no-tree', '--exit-code', 'circular:1', glob], { cwd: ROOT });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: err.code ?? -1, out: err.stdout ?? '' };
  }
}

describe('import cycle check', function () {
  this.timeout(30000);

  it('fails on a cycle made only of type imports', async () => {
    const result = await cycles('test/fixtures/cycles/*.ts');
    expect(result.code).to.equal(1);
    expect(result.out).to.include('cycles/a.ts').and.to.include('cycles/b.ts');
  });
});
