import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { expect } from 'chai';
import sharp from 'sharp';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import type { StoredAsset } from '../../src/core/ports/assets.ts';
import { createMedia } from '../../src/adapters/ffmpeg/index.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { isTerminal } from '../../src/core/engine/task.ts';
import { PortraitRefusal } from '../../src/presenter/identity/errors.ts';
import { makeNeutralPortrait, meanLuma, PORTRAIT_SIZE, TARGET_LUMA, TOP_MARGIN } from '../../src/presenter/identity/neutral-portrait.ts';
import { validatePortraits } from '../../src/presenter/identity/validate-portraits.ts';
import { registerPresenterIdentity } from '../../src/presenter/register-identity.ts';
import type { NeutralPortrait, PresenterSnapshot, VoiceProfile } from '../../src/presenter/types.ts';
import { jsonHash } from '../../src/product/handlers/shared.ts';
import { FliteProvider } from '../../src/providers/speech/flite.ts';
import { defaultRegistry, startEmbedded, type EmbeddedRuntime } from '../../src/runtime/composition.ts';
import { compileSettings } from '../../src/settings.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

/**
 * The presenter identity's pictures: the photo checks and their refusals, the
 * neutral portrait's framing and exposure, and the identity flow through the
 * embedded engine on the bundled samples, with the asset graph it records.
 * Portraits and the sheet are copied to <tmpdir>/slotflow-presenter/ to be looked at.
 */

const SAMPLES = 'examples/presenter';
const PHOTOS = ['presenter-front.jpg', 'presenter-left.jpg', 'presenter-right.jpg'];
const LOOK_DIR = path.join(os.tmpdir(), 'slotflow-presenter');

async function refusal(photos: Array<{ file: string; path: string }>): Promise<PortraitRefusal> {
  try {
    await validatePortraits(photos);
  } catch (e) {
    expect(e).to.be.instanceOf(PortraitRefusal);
    return e as PortraitRefusal;
  }
  throw new Error('the photos were accepted');
}

describe('presenter identity', function () {
  this.timeout(180000);
  const env = useFreshEnv();
  let dir: string;
  let assets: AssetStore;
  const sample = (f: string) => ({ file: f, path: path.join(SAMPLES, f) });
  const files = () => ({ scratch: (ext: string) => assets.scratch(ext), put: (f: string) => assets.put(f) });

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-presenter-test-'));
    assets = new AssetStore(path.join(dir, 'data'));
    await rm(LOOK_DIR, { recursive: true, force: true });
    await mkdir(LOOK_DIR, { recursive: true });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('the photo checks', () => {
    it('refuses two people side by side, naming the file', async () => {
      const e = await refusal([sample('presenter-front.jpg'), sample('two-people.jpg')]);
      expect(e.code).to.equal('portrait-several-subjects');
      expect(e.file).to.equal('two-people.jpg');
      expect(e.message).to.match(/^two-people\.jpg: 2 subjects of similar size/);
    });

    it('refuses a photo with nothing but backdrop', async () => {
      const canvas = createCanvas(800, 1000);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#dfe5ea';
      ctx.fillRect(0, 0, 800, 1000);
      const file = path.join(dir, 'empty-wall.jpg');
      await writeFile(file, await canvas.encode('jpeg', 90));
      const e = await refusal([{ file: 'empty-wall.jpg', path: file }]);
      expect([e.code, e.file]).to.deep.equal(['portrait-no-subject', 'empty-wall.jpg']);
    });

    it('refuses a photo whose shorter side is under 512 px, and a GIF', async () => {
      const small = path.join(dir, 'small.jpg');
      await sharp(path.join(SAMPLES, 'presenter-front.jpg')).resize(400, 500).toFile(small);
      const e = await refusal([sample('presenter-front.jpg'), { file: 'small.jpg', path: small }]);
      expect([e.code, e.file]).to.deep.equal(['portrait-too-small', 'small.jpg']);
      expect(e.reason).to.include('400×500');
      const gif = path.join(dir, 'wave.gif');
      await sharp(path.join(SAMPLES, 'presenter-front.jpg')).gif().toFile(gif);
      const g = await refusal([{ file: 'wave.gif', path: gif }]);
      expect([g.code, g.file]).to.deep.equal(['portrait-unsupported-format', 'wave.gif']);
      expect(g.reason).to.include('gif');
    });

    it('refuses bytes that are no image, and more than six photos', async () => {
      const junk = path.join(dir, 'junk.jpg');
      await writeFile(junk, Buffer.from('not a picture at all'));
      expect((await refusal([{ file: 'junk.jpg', path: junk }])).code).to.equal('portrait-undecodable');
      expect((await refusal(Array.from({ length: 7 }, () => sample('presenter-front.jpg')))).code).to.equal('portrait-count');
      expect((await refusal([])).code).to.equal('portrait-count');
    });

    it('accepts the three sample portraits, each with one subject', async () => {
      const checked = await validatePortraits(PHOTOS.map(sample));
      expect(checked.map((c) => [c.file, c.width, c.height, c.format])).to.deep.equal(PHOTOS.map((f) => [f, 1024, 1280, 'jpeg']));
    });
  });

  describe('the neutral portrait', () => {
    it('frames every view alike: same size, the head centred across, its top at the margin', async () => {
      const checked = await validatePortraits(PHOTOS.map(sample));
      const made: NeutralPortrait[] = [];
      for (const c of checked) made.push(await makeNeutralPortrait(c, files()));
      for (const [i, p] of made.entries()) {
        await copyFile(p.path, path.join(LOOK_DIR, `portrait-${i}.png`));
        expect([p.width, p.height]).to.deep.equal([PORTRAIT_SIZE.width, PORTRAIT_SIZE.height]);
        const meta = await sharp(p.path).metadata();
        expect([meta.width, meta.height, meta.format]).to.deep.equal([1024, 1280, 'png']);
        expect(p.face.x + p.face.w / 2, p.source).to.be.closeTo(p.width / 2, p.width * 0.02);
        expect(p.face.y, p.source).to.be.closeTo(TOP_MARGIN * p.height, 3);
      }
      // The head is found again in the made portrait at the same place: the top of the hair at the margin,
      // not only where the crop was computed to put it.
      const again = await validatePortraits(made.map((p) => ({ file: p.source, path: p.path })));
      for (const a of again) {
        expect(a.subject.box.y, a.file).to.be.closeTo(TOP_MARGIN * PORTRAIT_SIZE.height, PORTRAIT_SIZE.height * 0.02);
        expect(a.subject.topCentreX, a.file).to.be.closeTo(PORTRAIT_SIZE.width / 2, PORTRAIT_SIZE.width * 0.03);
      }
      // The head's size is the same in every view, within a few per cent.
      const widths = made.map((p) => p.face.w);
      expect(Math.max(...widths) / Math.min(...widths)).to.be.below(1.05);
    });

    it('brings a dark and a bright copy of a photo to the same mean luminance', async () => {
      const lumas: number[] = [];
      for (const [name, brightness] of [['dark', 0.45], ['bright', 1.5]] as const) {
        const file = path.join(dir, `${name}.jpg`);
        await sharp(path.join(SAMPLES, 'presenter-front.jpg')).modulate({ brightness }).jpeg({ quality: 92 }).toFile(file);
        const before = await sharp(file).raw().toBuffer();
        const [checked] = await validatePortraits([{ file: `${name}.jpg`, path: file }]);
        const p = await makeNeutralPortrait(checked!, files());
        await copyFile(p.path, path.join(LOOK_DIR, `exposure-${name}.png`));
        const after = meanLuma(await sharp(p.path).removeAlpha().raw().toBuffer());
        lumas.push(after);
        expect(Math.abs(after - TARGET_LUMA), `${name}: ${meanLuma(before).toFixed(1)} → ${after.toFixed(1)}`).to.be.below(4);
      }
      expect(Math.abs(lumas[0]! - lumas[1]!)).to.be.below(5);
    });
  });

  describe('through the engine (flows/presenter-identity.json, embedded)', () => {
    let rt: EmbeddedRuntime;
    let snapshot: PresenterSnapshot;
    let photoHashes: string[];
    let sampleHash: string;

    before(async () => {
      const settings = compileSettings({ ...env().env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') });
      // One local voice keeps the catalog short; the matcher over every voice is voice-profile.test.ts's.
      const speech = [new FliteProvider()];
      rt = await startEmbedded({ settings, registry: registerPresenterIdentity(defaultRegistry(), { assets, media: createMedia(), speech }) });
      const stored = await Promise.all(PHOTOS.map(async (f) => assets.putBytes(await readFile(path.join(SAMPLES, f)), '.jpg')));
      const voice = await assets.putBytes(await readFile(path.join(SAMPLES, 'voice-sample.wav')), '.wav');
      photoHashes = stored.map((s) => s.hash);
      sampleHash = voice.hash;
      snapshot = {
        contract: 'presenter-creation/1', name: 'Maya Lindqvist',
        photos: PHOTOS.map((file, i) => ({ file, asset: path.basename(stored[i]!.path) })),
        voice_sample: { file: 'voice-sample.wav', asset: path.basename(voice.path) },
      };
    });
    after(async () => {
      await rt?.close();
    });

    async function run(input: unknown) {
      const { id } = await rt.engine.submit({ flow: loadFlow('flows/presenter-identity.json'), input });
      const done = await eventually(`task ${id} to finish`, async () => {
        const snap = await rt.store.readTask(id);
        return snap && isTerminal(snap.phase) ? snap : undefined;
      }, 150000);
      return { id, done };
    }

    it('builds the portrait, views, character sheet and voice profile, each an asset made from what it names', async () => {
      const { id, done } = await run(snapshot);
      expect(done.phase, JSON.stringify(done.error)).to.equal('completed');
      expect(done.status).to.equal('ready');
      const out = await rt.store.outputsOf(id, ['PresenterPortrait', 'PresenterSheet', 'PresenterVoice']);
      const { portrait, views } = out.PresenterPortrait as { portrait: NeutralPortrait; views: NeutralPortrait[] };
      const { sheet } = out.PresenterSheet as { sheet: { path: string; hash: string; width: number; height: number } };
      const profile = out.PresenterVoice as VoiceProfile;
      expect(portrait.source).to.equal('presenter-front.jpg');
      expect(views.map((v) => v.source)).to.deep.equal(['presenter-left.jpg', 'presenter-right.jpg']);
      expect(profile).to.include({ kind: 'match', provider: 'flite', voice: 'flite:awb', note: 'matched to the nearest local voice, not a clone' });

      const ledger = await rt.reads.listAssets(id);
      const byKind = (kind: string) => ledger.filter((a) => a.kind === kind);
      const one = (kind: string): StoredAsset => {
        expect(byKind(kind), kind).to.have.length(1);
        return byKind(kind)[0]!;
      };
      expect(one('portrait')).to.include({ hash: portrait.hash, stage: 'PresenterPortrait' });
      expect(one('portrait').inputs).to.deep.equal([`sha256:${photoHashes[0]}`]);
      expect(byKind('view').map((a) => [a.hash, a.inputs])).to.deep.equal(views.map((v, i) => [v.hash, [`sha256:${photoHashes[i + 1]}`]]));
      expect(one('character-sheet')).to.include({ hash: sheet.hash });
      expect(one('character-sheet').inputs).to.deep.equal([portrait, ...views].map((v) => `sha256:${v.hash}`).concat('snapshot:name'));
      expect(one('voice-profile').inputs).to.deep.equal([`sha256:${sampleHash}`, 'snapshot:voice']);
      expect(one('voice-profile').hash).to.equal(jsonHash(profile));
      expect(JSON.parse(await readFile(one('voice-profile').path, 'utf8'))).to.deep.equal(profile);
      const sheetMeta = await sharp(sheet.path).metadata();
      expect([sheetMeta.width, sheetMeta.height, sheetMeta.format]).to.deep.equal([sheet.width, sheet.height, 'png']);
      await copyFile(sheet.path, path.join(LOOK_DIR, 'character-sheet.png'));
    });

    it('fails the portrait stage with the refusal when a photo shows two people, and makes no portrait', async () => {
      const two = await assets.putBytes(await readFile(path.join(SAMPLES, 'two-people.jpg')), '.jpg');
      const { id, done } = await run({ ...snapshot, photos: [...snapshot.photos, { file: 'two-people.jpg', asset: path.basename(two.path) }] });
      expect(done.phase).to.equal('failed');
      expect(JSON.stringify(done.error)).to.include('portrait-several-subjects').and.include('two-people.jpg');
      const ledger = await rt.reads.listAssets(id);
      expect(ledger.filter((a) => a.kind === 'portrait' || a.kind === 'view')).to.have.length(0);
    });
  });
});
