import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import winston from 'winston';
import { isTerminal } from '../../src/core/engine/task.ts';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { log } from '../../src/log.ts';
import { connect, type Distributed, defaultRegistry, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { eventually, useFreshEnv } from '../support/env.ts';

/**
 * Every failed attempt is one log line that names the task, the component, the attempt and the error's code,
 * and says whether another attempt follows; read here from the real logger, on MariaDB and Redis.
 */

interface LogLine {
  level: string;
  message: string;
  task?: string;
  component?: string;
  attempt?: number;
  code?: string;
  retrying?: boolean;
}

describe('component failures in the log (MariaDB + Redis)', function () {
  this.timeout(60000);
  const env = useFreshEnv();
  let d: Distributed;
  let lines: LogLine[];
  let transport: winston.transport;
  const stream = new PassThrough();

  before(async () => {
    const { settings } = env();
    d = connect(settings);
    await startScheduler(d, settings);
    await startWorker(d, settings, defaultRegistry());
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
    });
    transport = new winston.transports.Stream({ stream, format: winston.format.json() });
    log.add(transport);
  });
  after(async () => {
    log.remove(transport);
    await d?.close();
  });
  beforeEach(() => {
    lines = [];
  });

  it('logs each failed attempt with task, component, attempt and code, and whether it is retried', async () => {
    const flow = compileFlow({
      flow: 'failure-log', version: 1,
      modules: [{
        module_name: 'Work', status: 'working', next_status: 'done',
        components: [{ component_name: 'Broken', slot_index: 0, depends: [], handler: 'builtin.fail', retry: { attempts: 2, backoff_ms: 20 } }],
      }],
    });
    const { id } = await d.engine.submit({ flow, input: {} });
    await eventually(`task ${id} to fail`, async () => {
      const snap = await d.store.readTask(id);
      return snap && isTerminal(snap.phase) ? snap : undefined;
    });
    // The line is logged once the answer's write has committed, so it can come just after the task reads failed.
    const failures = await eventually('both failures logged', async () => {
      const logged = lines.filter((l) => l.message === 'component failed' && l.task === id);
      return logged.length >= 2 ? logged : undefined;
    });
    expect(failures.map((l) => ({ level: l.level, component: l.component, attempt: l.attempt, code: l.code, retrying: l.retrying }))).to.deep.equal([
      { level: 'warn', component: 'Broken', attempt: 1, code: 'builtin-failure', retrying: true },
      { level: 'warn', component: 'Broken', attempt: 2, code: 'builtin-failure', retrying: false },
    ]);
  });

  it('logs nothing for a component that succeeds', async () => {
    const flow = compileFlow({
      flow: 'failure-log-ok', version: 1,
      modules: [{ module_name: 'Work', status: 'working', next_status: 'done', components: [{ component_name: 'Fine', slot_index: 0, depends: [], handler: 'builtin.noop' }] }],
    });
    const { id } = await d.engine.submit({ flow, input: {} });
    await eventually(`task ${id} to complete`, async () => {
      const snap = await d.store.readTask(id);
      return snap && isTerminal(snap.phase) ? snap : undefined;
    });
    expect(lines.filter((l) => l.task === id)).to.deep.equal([]);
  });
});
