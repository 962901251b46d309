import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { webFiles } from '../../src/http/web-files.ts';

describe('the page\'s files as routes', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-web-'));
    await mkdir(path.join(dir, 'js', 'views'), { recursive: true });
    await mkdir(path.join(dir, '.cache'), { recursive: true });
    for (const f of ['index.html', 'style.css', 'js/main.js', 'js/views/task.js', 'js/.main.js.swp.js', '.cache/old.js', 'notes.txt', 'js/main.ts']) {
      await writeFile(path.join(dir, f), '');
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('routes index.html at / and nested modules by their path, with the type a browser runs', () => {
    expect(webFiles(dir).map((f) => [f.route, path.relative(dir, f.file), f.type])).to.deep.equal([
      ['/', 'index.html', 'text/html; charset=utf-8'],
      ['/js/main.js', path.join('js', 'main.js'), 'text/javascript; charset=utf-8'],
      ['/js/views/task.js', path.join('js', 'views', 'task.js'), 'text/javascript; charset=utf-8'],
      ['/style.css', 'style.css', 'text/css; charset=utf-8'],
    ]);
  });
});
