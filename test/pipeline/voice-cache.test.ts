import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AssetStore } from '../../src/adapters/asset-store.ts';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import type { Speech } from '../../src/pipeline/handlers/speech-synthesize.ts';
import { providersFromSettings } from '../../src/pipeline/providers.ts';
import { type RenderResult, renderJob } from '../../src/pipeline/render-job.ts';
import { routeFlow } from '../../src/pipeline/router.ts';
import { FestivalProvider } from '../../src/providers/speech/festival.ts';
import { MespeakProvider } from '../../src/providers/speech/mespeak.ts';
import type { SpeechProvider } from '../../src/providers/types.ts';
import { compileSettings, type Settings } from '../../src/settings.ts';
import { skipWithReason } from '../speech/helpers.ts';

/**
 * The voice a machine chooses is part of the speech cache key: the same
 * article rendered again after a better voice is installed is spoken again
 * with it, not given the old speech; with the same voices, it is reused.
 */

const ARTICLE = 'test/fixtures/articles/short.md';

describe('speech cache and the default voice', function () {
  this.timeout(240000);
  let dir: string;
  let settings: Settings;

  before(async function () {
    if (!(await new FestivalProvider().available())) skipWithReason(this, 'festival with an HTS voice is not installed');
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-voice-cache-'));
    settings = compileSettings({ ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') });
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** One render into the shared data directory with only these speech providers. */
  async function render(speech: SpeechProvider[], out: string): Promise<RenderResult> {
    const input = { article: { body: await readFile(ARTICLE, 'utf8') }, options: { size: '320x180' } as Record<string, unknown> };
    const deps = { ...providersFromSettings(new AssetStore(settings.dataDir), settings), speech };
    return renderJob({ flow: loadFlow(routeFlow({ out, input })), input, settings, output: path.join(dir, out), deps });
  }

  const speechOf = (r: RenderResult) => r.outputs('SpeechSynthesis') as unknown as Speech;
  const speechRun = (r: RenderResult) => r.runs.find((run) => run.component === 'SpeechSynthesis')!;

  it('speaks again with Festival once it is there, and reuses the speech while the voices stay the same', async () => {
    const before = await render([new MespeakProvider()], 'mespeak.mp4');
    expect(speechOf(before)).to.include({ provider: 'mespeak', voice: 'en/en-us' });
    expect(speechRun(before).cached).to.equal(false);

    const after = await render([new FestivalProvider(), new MespeakProvider()], 'festival.mp4');
    expect(speechRun(after).cached, 'the meSpeak speech was reused for a machine that has Festival').to.equal(false);
    expect(speechOf(after)).to.include({ provider: 'festival', voice: 'cmu_us_slt_arctic_hts' });

    const again = await render([new MespeakProvider(), new FestivalProvider()], 'festival-again.mp4');
    expect(speechRun(again).cached).to.equal(true);
    expect(speechOf(again)).to.deep.equal(speechOf(after));
  });
});
