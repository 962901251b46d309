import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { checkContract } from '../../src/product/contracts.ts';
import { ContractBodyError, ModeError, UnknownContractError } from '../../src/product/errors.ts';
import { flowForMode } from '../../src/product/modes.ts';
import { FlowNotFoundError } from '../../src/adapters/flow-files.ts';
import { MAX_IMAGE_BYTES, validateProductImages } from '../../src/product/validate-images.ts';
import { productPhoto } from '../support/product-images.ts';

/** The job contracts as compiled from schema/, and the photo checks, on real files made here. */

const HASH = 'a'.repeat(64);

function refusalOf(body: unknown, contract: Parameters<typeof checkContract>[1]): ContractBodyError | UnknownContractError {
  try {
    checkContract(body, contract);
  } catch (e) {
    if (e instanceof ContractBodyError || e instanceof UnknownContractError) return e;
    throw e;
  }
  throw new Error('the body was accepted');
}

describe('product creative contracts', () => {
  it('accepts each contract\'s fullest valid body as it is', () => {
    const product = { contract: 'product-creation/1', name: 'Mug', images: [`asset:${HASH}.jpg`, { file: 'side.png', asset: `${HASH}.png` }], page: `asset:${HASH}.html`, category: 'kitchen', campaign: { audience: 'commuters', tone: 'calm', call_to_action: 'Shop now' } };
    expect(checkContract(product, 'product-creation/1')).to.deep.equal(product);
    const output = { contract: 'output-generation/1', mode: 'ugc', prompt: 'Morning coffee', options: { format: '9:16', size: '540x960', duration_s: 20, scenes: 4, voice: 'en', tone: 'upbeat', captions: 'pop', fidelity: { threshold: 0.6, max_regenerations: 1 }, script: 'Hello.' } };
    expect(checkContract(output, 'output-generation/1')).to.deep.equal(output);
    expect(checkContract({ contract: 'output-retry/1', from: 'scene-image', scene: 2 }, 'output-retry/1')).to.deep.equal({ contract: 'output-retry/1', from: 'scene-image', scene: 2 });
  });

  const cases: Array<[string, unknown, Parameters<typeof checkContract>[1], string, string]> = [
    ['an unknown top-level field', { contract: 'output-retry/1', from: 'bundle', force: true }, 'output-retry/1', 'invalid-body', '/force'],
    ['an unknown option', { contract: 'output-generation/1', mode: 'ugc', options: { speed: 2 } }, 'output-generation/1', 'invalid-body', '/options/speed'],
    ['an odd frame size', { contract: 'output-generation/1', mode: 'ugc', options: { size: '541x960' } }, 'output-generation/1', 'invalid-body', '/options/size'],
    ['an unknown fidelity field', { contract: 'output-generation/1', mode: 'ugc', options: { fidelity: { strict: true } } }, 'output-generation/1', 'invalid-body', '/options/fidelity/strict'],
    ['a scene from 0', { contract: 'output-retry/1', from: 'scene-image', scene: 0 }, 'output-retry/1', 'invalid-body', '/scene'],
    ['a stage that is not kebab-case', { contract: 'output-retry/1', from: 'SceneImage' }, 'output-retry/1', 'invalid-body', '/from'],
    ['a version that does not exist', { contract: 'output-retry/2', from: 'bundle' }, 'output-retry/1', 'unknown-contract', '/contract'],
    ['no contract', { from: 'bundle' }, 'output-retry/1', 'invalid-body', '/contract'],
    ['an empty image list', { contract: 'product-creation/1', name: 'Mug', images: [] }, 'product-creation/1', 'invalid-body', '/images'],
    ['a page that is a path', { contract: 'product-creation/1', name: 'Mug', images: [`asset:${HASH}.jpg`], page: '/etc/passwd' }, 'product-creation/1', 'invalid-body', '/page'],
  ];
  for (const [what, body, contract, code, pointer] of cases) {
    it(`refuses ${what} with ${code} at ${pointer}`, () => {
      const e = refusalOf(body, contract);
      expect(e.code).to.equal(code);
      expect(e.pointer).to.equal(pointer);
      expect(e.message).to.include(code === 'unknown-contract' ? 'takes "contract"' : pointer);
    });
  }
});

describe('product mode routing', () => {
  it('refuses a mode the routing file names when its flow is not installed (mode-unavailable), and one it does not name (unknown-mode)', () => {
    const table = { image_bundle: 'product-image-bundle', cinema: 'product-cinema' };
    const resolve = (name: string) => {
      throw new FlowNotFoundError(name, ['flows']);
    };
    const unavailable = (() => { try { flowForMode('cinema', table, resolve); } catch (e) { return e; } })();
    expect(unavailable).to.be.instanceOf(ModeError);
    expect(unavailable).to.include({ code: 'mode-unavailable' });
    expect((unavailable as Error).message).to.include('product-cinema');
    const unknown = (() => { try { flowForMode('opera', table, resolve); } catch (e) { return e; } })();
    expect(unknown).to.include({ code: 'unknown-mode' });
  });
});

describe('product photo checks', function () {
  this.timeout(30000);
  let dir = '';
  const at = (name: string) => path.join(dir, name);
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slotflow-photos-'));
    await writeFile(at('ok.png'), await productPhoto(800, 800, 'png'));
    await writeFile(at('ok.webp'), await productPhoto(600, 1000, 'webp'));
    await writeFile(at('small.jpg'), await productPhoto(400, 300, 'jpeg'));
    await writeFile(at('anim.gif'), await productPhoto(800, 800, 'gif'));
    await writeFile(at('notes.txt'), 'a shopping list\n');
    const whole = await productPhoto(800, 800, 'jpeg');
    await writeFile(at('cut.jpg'), whole.subarray(0, Math.floor(whole.length / 2)));
    // Over the limit by one byte: a JPEG with padding after its end marker.
    await writeFile(at('huge.jpg'), Buffer.concat([whole, Buffer.alloc(MAX_IMAGE_BYTES + 1 - whole.length)]));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts JPEG, PNG and WebP photos of at least 512 px on the short side', async () => {
    expect(await validateProductImages([{ file: 'ok.png', path: at('ok.png') }, { file: 'ok.webp', path: at('ok.webp') }])).to.deep.equal([]);
  });

  it('refuses each bad photo with its own code and a reason naming the problem', async () => {
    const names = ['small.jpg', 'anim.gif', 'notes.txt', 'cut.jpg', 'huge.jpg'];
    const refusals = await validateProductImages(names.map((file) => ({ file, path: at(file) })));
    expect(refusals.map((r) => [r.file, r.code])).to.deep.equal([
      ['small.jpg', 'image-too-small'], ['anim.gif', 'image-format'], ['notes.txt', 'image-undecodable'], ['cut.jpg', 'image-undecodable'], ['huge.jpg', 'image-too-large'],
    ]);
    expect(refusals[0]!.reason).to.include('400×300').and.include('512');
    expect(refusals[1]!.reason).to.include('GIF');
    expect(refusals[4]!.reason).to.include('20 MB');
  });

  it('refuses no photo at all and more than 8, naming the ones over', async () => {
    expect((await validateProductImages([])).map((r) => r.code)).to.deep.equal(['product-images-count']);
    const nine = Array.from({ length: 9 }, (_, i) => ({ file: `p${i + 1}.png`, path: at('ok.png') }));
    expect((await validateProductImages(nine)).map((r) => [r.file, r.code])).to.deep.equal([['p9.png', 'product-images-count']]);
  });
});
