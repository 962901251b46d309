import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { isTerminal, type TaskSnapshot } from '../../src/core/engine/task.ts';
import { SlotflowError } from '../../src/core/errors.ts';
import { compileFlow, type CompiledFlow } from '../../src/core/flow/compile.ts';
import type { HandlerRegistry } from '../../src/handlers/registry.ts';
import { OpenAiSpeechProvider } from '../../src/providers/speech/openai-speech.ts';
import { connect, defaultRegistry, startEmbedded, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import type { Engine } from '../../src/runtime/engine.ts';
import type { TaskStore } from '../../src/core/ports/task-store.ts';
import { sendJson, sequence, startFakeServer, type FakeServer } from '../providers/support/fake-http.ts';
import { eventually, useFreshEnv } from '../support/env.ts';
import { monoWav } from '../support/wav.ts';

/**
 * Retries are decided in one place: the engine, from the error's own
 * `retryable` and the flow's retry policy, waiting at least what a provider's
 * `Retry-After` asks for. A handler here speaks to a real HTTP server that
 * answers like an OpenAI-compatible speech API.
 */

const SAMPLE_RATE = 16000;
/** The flow's backoff: far shorter than the Retry-After the server asks for. */
const BACKOFF_MS = 50;
const RETRY_AFTER_S = 2;


/** One component with three attempts and a short backoff. */
function oneComponentFlow(flow: string, component: string, handler: string): CompiledFlow {
  return compileFlow({
    flow,
    version: 1,
    modules: [{
      module_name: 'Work', status: 'working', next_status: 'done',
      components: [{ component_name: component, slot_index: 0, depends: [], handler, retry: { attempts: 3, backoff_ms: BACKOFF_MS } }],
    }],
  });
}

interface Backend {
  engine: Engine;
  store: TaskStore;
  close(): Promise<void>;
}

function retries(name: string, start: (registry: HandlerRegistry) => Promise<Backend>): void {
  describe(`retries (${name})`, function () {
    this.timeout(60000);
    let server: FakeServer;
    let dir: string;
    let backend: Backend;
    /** When each request reached the server. */
    let arrivals: number[];

    before(async () => {
      server = await startFakeServer();
      dir = await mkdtemp(join(tmpdir(), 'slotflow-retries-'));
      const speech = new OpenAiSpeechProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'sk-test', model: 'tts-test' });
      const registry = defaultRegistry()
        .register('test.speak', async (ctx) => {
          const result = await speech.synthesize({ text: 'Hello there.', language: 'en' }, join(dir, `${ctx.taskId}-${ctx.attempt}.wav`));
          return { duration_s: result.durationSec };
        })
        .register('test.refuse', async () => {
          throw new SlotflowError('this input can never work', { code: 'input-refused', retryable: false });
        });
      backend = await start(registry);
    });
    after(async () => {
      await backend.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
      server.requests.length = 0;
      arrivals = [];
    });

    async function runToEnd(flow: CompiledFlow): Promise<TaskSnapshot> {
      const { id } = await backend.engine.submit({ flow, input: {} });
      return eventually(`task ${id} to finish`, async () => {
        const snap = await backend.store.readTask(id);
        return snap && isTerminal(snap.phase) ? snap : undefined;
      });
    }

    const runsOf = async (id: string, component: string) =>
      (await backend.store.listRuns(id)).filter((r) => r.component === component).map((r) => [r.attempt, r.status, r.error?.code ?? null]);

    it("does not retry a provider's 401", async () => {
      server.handle((_q, res) => {
        arrivals.push(Date.now());
        sendJson(res, 401, { error: { message: 'Incorrect API key provided' } });
      });
      const done = await runToEnd(oneComponentFlow('speak-401', 'Speak', 'test.speak'));
      expect(done.phase).to.equal('failed');
      expect(done.error).to.include({ component: 'Speak', attempt: 1, code: 'provider-refused' });
      expect(await runsOf(done.id, 'Speak')).to.deep.equal([[1, 'failed', 'provider-refused']]);
      expect(arrivals).to.have.length(1);
    });

    it('waits Retry-After on a 429 before the next attempt', async () => {
      server.handle(sequence(
        (_q, res) => {
          arrivals.push(Date.now());
          sendJson(res, 429, { error: { message: 'Rate limit reached' } }, { 'retry-after': String(RETRY_AFTER_S) });
        },
        (_q, res) => {
          arrivals.push(Date.now());
          res.writeHead(200, { 'content-type': 'audio/wav' });
          res.end(monoWav(0.25, SAMPLE_RATE));
        },
      ));
      const done = await runToEnd(oneComponentFlow('speak-429', 'Speak', 'test.speak'));
      expect(await runsOf(done.id, 'Speak')).to.deep.equal([[1, 'failed', 'provider-rate-limited'], [2, 'succeeded', null]]);
      expect(arrivals).to.have.length(2);
      expect(arrivals[1]! - arrivals[0]!).to.be.at.least(RETRY_AFTER_S * 1000);
      expect(done.phase).to.equal('completed');
    });

    it('fails a slot at once, with its code, when a handler throws an error with retryable false', async () => {
      const done = await runToEnd(oneComponentFlow('refuse', 'Refuse', 'test.refuse'));
      expect(done.phase).to.equal('failed');
      expect(await runsOf(done.id, 'Refuse')).to.deep.equal([[1, 'failed', 'input-refused']]);
      expect(done.attempts.Refuse).to.equal(1);
    });
  });
}

retries('embedded', async (registry) => {
  const rt = await startEmbedded({ concurrency: 4, registry });
  return { engine: rt.engine, store: rt.store, close: () => rt.close() };
});

describe('retries on the distributed back end', () => {
  const env = useFreshEnv();
  retries('MySQL + BullMQ + Redlock', async (registry) => {
    const { settings } = env();
    const d = connect(settings);
    await startScheduler(d, settings);
    await startWorker(d, settings, registry, { concurrency: 4 });
    return { engine: d.engine, store: d.store, close: () => d.close() };
  });
});
