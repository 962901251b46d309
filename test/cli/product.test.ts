import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { eventually } from '../support/env.ts';
import { useFullServer } from '../support/server.ts';
import { productPhoto } from '../support/product-images.ts';

/**
 * `slotflow product` and `slotflow output` against MariaDB and Redis (the runtime of useFullServer runs the
 * product-identity flow): photos stored and checked before anything is
 * created, the refusals with the API's codes, the product view by an id prefix.
 */


describe('product commands (MariaDB + Redis)', function () {
  this.timeout(90000);
  const server = useFullServer();
  const slotflow = async (...args: string[]) => {
    const r = await execa('node', ['bin/slotflow.js', ...args], { env: server().env.env, reject: false });
    return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slotflow-product-'));
    await writeFile(path.join(dir, 'front.png'), await productPhoto(800, 800, 'png'));
    await writeFile(path.join(dir, 'side.jpg'), await productPhoto(900, 700, 'jpeg', '#d04a3a'));
    await writeFile(path.join(dir, 'small.jpg'), await productPhoto(400, 300, 'jpeg'));
    await writeFile(path.join(dir, 'anim.gif'), await productPhoto(800, 800, 'gif'));
    await writeFile(path.join(dir, 'notes.txt'), 'not a picture\n');
    await writeFile(path.join(dir, 'page.html'), '<html><head><meta property="og:title" content="Blue Bottle"></head></html>');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses unusable photos with exit 1, every file named, and creates no product', async () => {
    const before = (await server().d.reads.listTasks({ limit: 1000 })).length;
    const r = await slotflow('product', 'create', path.join(dir, 'front.png'), path.join(dir, 'small.jpg'), path.join(dir, 'anim.gif'), path.join(dir, 'notes.txt'), '--name', 'Bottle', '--json');
    expect(r.code, r.stderr).to.equal(1);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; pointer: string; refusals: Array<{ file: string; code: string }> } };
    expect(error.code).to.equal('product-images-refused');
    expect(error.refusals.map((x) => [x.file, x.code])).to.deep.equal([['small.jpg', 'image-too-small'], ['anim.gif', 'image-format'], ['notes.txt', 'image-undecodable']]);
    const plain = await slotflow('product', 'create', path.join(dir, 'small.jpg'), '--name', 'Bottle');
    expect(plain.code).to.equal(1);
    expect(plain.stderr).to.include('small.jpg: it is 400×300 pixels');
    expect((await server().d.reads.listTasks({ limit: 1000 })).length).to.equal(before);
  });

  it('creates a product from photos and a page, and shows it by an id prefix', async () => {
    const r = await slotflow('product', 'create', path.join(dir, 'front.png'), path.join(dir, 'side.jpg'), '--name', 'Blue bottle', '--page', path.join(dir, 'page.html'), '--category', 'drinkware', '--json');
    expect(r.code, r.stderr).to.equal(0);
    const { id, status } = JSON.parse(r.stdout) as { id: string; status: string };
    expect(status).to.be.a('string');
    const task = await server().d.reads.getTask(id);
    const input = task!.input as { images: Array<{ file: string; asset: string }>; page: { file: string; asset: string }; category: string };
    expect(input.images.map((i) => i.file)).to.deep.equal(['front.png', 'side.jpg']);
    expect(input.page.file).to.equal('page.html');
    expect(input.page.asset).to.match(/^[0-9a-f]{64}\.html$/);
    const view = await eventually('the product to be built', async () => {
      const shown = await slotflow('product', 'show', id.slice(0, 8), '--json');
      const v = JSON.parse(shown.stdout) as { id: string; name: string; phase: string; outputs: unknown[] };
      return v.phase === 'completed' ? v : undefined;
    });
    expect(view).to.include({ id, name: 'Blue bottle' });
    const text = await slotflow('product', 'show', id);
    expect(text.stdout).to.include(`product ${id}  Blue bottle  completed`);
  });

  it('refuses an output in an unknown mode with exit 2 and unknown-mode, and an unknown product with exit 1', async () => {
    const r = await slotflow('product', 'create', path.join(dir, 'front.png'), '--name', 'Mode bottle', '--json');
    const { id } = JSON.parse(r.stdout) as { id: string };
    const mode = await slotflow('product', 'output', id, '--mode', 'cinema', '--json');
    expect(mode.code).to.equal(2);
    expect((JSON.parse(mode.stdout) as { error: { code: string; pointer: string } }).error).to.include({ code: 'unknown-mode', pointer: '/mode' });
    const missing = await slotflow('product', 'output', '00000000-0000-0000-0000-000000000000', '--mode', 'ugc', '--json');
    expect(missing.code).to.equal(1);
    expect((JSON.parse(missing.stdout) as { error: { code: string } }).error.code).to.equal('unknown-product');
    const unknownOutput = await slotflow('output', 'show', id, '--json');
    expect(unknownOutput.code).to.equal(1);
    expect((JSON.parse(unknownOutput.stdout) as { error: { code: string } }).error.code).to.equal('unknown-output');
  });
});
