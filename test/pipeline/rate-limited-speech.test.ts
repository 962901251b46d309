/**
 * A rate-limited speech provider holds up only the scenes it refused: the
 * others are spoken meanwhile and, when the refused scene fails the attempt,
 * the engine's retry (after the provider's `Retry-After`) speaks that scene
 * only. A real HTTP server speaking OpenAI's `/audio/speech`, the whole
 * script-video flow in process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { renderJob } from '../../src/pipeline/render-job.ts';
import { compileSettings } from '../../src/settings.ts';
import { type FakeServer, startFakeServer } from '../providers/support/fake-http.ts';
import { monoWav } from '../support/wav.ts';

const SAMPLE_RATE = 24000;


const SCENES = [
  'Bees visit flowers to gather nectar.',
  'A hive keeps its honey in wax cells.',
  'Beekeepers smoke the hive before they open it.',
  'Honey never spoils when it is sealed.',
];
/** The scene the provider refuses once. */
const REFUSED = SCENES[1]!;

describe('speech from a rate-limited provider', function () {
  this.timeout(120000);
  let server: FakeServer;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-429-'));
    let refusals = 0;
    server = await startFakeServer((req, res) => {
      const text = (JSON.parse(req.body.toString('utf8')) as { input: string }).input;
      if (text === REFUSED && refusals++ === 0) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit_exceeded' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(monoWav(1.2, SAMPLE_RATE, (t) => 0.18 * Math.sin(2 * Math.PI * 220 * t)));
    });
  });

  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('retries only the refused scene after Retry-After; the other scenes are spoken once', async () => {
    const settings = compileSettings({
      ...process.env,
      SLOTFLOW_DATA_DIR: path.join(dir, 'data'),
      SLOTFLOW_TTS_BASE_URL: `${server.origin}/v1`,
      SLOTFLOW_TTS_MODEL: 'tts-test',
    });
    const result = await renderJob({
      flow: loadFlow('script-video'),
      input: { script: { title: 'Bees', scenes: SCENES.map((text) => ({ text })) }, options: { voice: 'openai-speech', music: false, size: '180x320' } },
      settings,
      output: path.join(dir, 'bees.mp4'),
    });
    const asked = new Map<string, number>();
    for (const r of server.requests.filter((q) => q.path === '/v1/audio/speech')) {
      const text = (JSON.parse(r.body.toString('utf8')) as { input: string }).input;
      asked.set(text, (asked.get(text) ?? 0) + 1);
    }
    expect(Object.fromEntries(asked)).to.deep.equal(Object.fromEntries(SCENES.map((s) => [s, s === REFUSED ? 2 : 1])));
    const speech = result.runs.filter((r) => r.component === 'SpeechSynthesis');
    expect(speech.map((r) => r.status)).to.deep.equal(['failed', 'succeeded']);
    expect(speech[0]!.error?.code).to.equal('provider-rate-limited');
    expect(speech[1]!.startedAt!.getTime() - speech[0]!.finishedAt!.getTime(), 'the retry waited for Retry-After').to.be.at.least(1000);
    const spoken = result.outputs('SpeechSynthesis') as { scenes: Array<{ index: number; duration_sec: number }> };
    expect(spoken.scenes.map((s) => s.index)).to.deep.equal([0, 1, 2, 3]);
  });
});
