import { startHttp } from '../../src/http/start.ts';
import { connect, type Distributed, fullRegistry, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { type TestEnv, useFreshEnv } from './env.ts';

/**
 * The whole distributed runtime for a suite, in this process: a fresh database and queue prefix, the scheduler,
 * a worker with every handler, and the HTTP API on a free port. Its connections close before the leak check.
 */
export function useFullServer(overrides: Record<string, string> = {}): () => { d: Distributed; base: string; env: TestEnv } {
  let d: Distributed | undefined;
  let base = '';
  // Registered before useFreshEnv's hooks, so it runs before the leak check.
  after(async () => {
    await d?.close();
  });
  const env = useFreshEnv(overrides);
  before(async () => {
    const { settings } = env();
    d = connect(settings);
    await startScheduler(d, settings);
    await startWorker(d, settings, fullRegistry(settings));
    base = (await startHttp(d, { ...settings, httpAddr: '127.0.0.1:0' })).url;
  });
  return () => ({ d: d!, base, env: env() });
}
