import { Writable } from 'node:stream';
import { expect } from 'chai';
import winston from 'winston';
import { closeConnection, lockConnection } from '../../src/adapters/redis/connections.ts';
import { log } from '../../src/log.ts';
import { eventually, REDIS_URL } from '../support/env.ts';

/** Closing Redis connections: a close is not reported as a fault, whatever state the connection was in. */
describe('Redis connections close quietly', () => {
  const lines: string[] = [];
  const transport = new winston.transports.Stream({
    stream: new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } }),
  });

  const consoles = log.transports.filter((t) => t instanceof winston.transports.Console);

  beforeEach(() => {
    lines.length = 0;
    log.add(transport);
    for (const t of consoles) t.silent = true;
  });

  afterEach(() => {
    log.remove(transport);
    for (const t of consoles) t.silent = false;
  });

  it('logs nothing for a lock connection closed in its handshake (its ready check fails on the ended stream)', async () => {
    const c = lockConnection(REDIS_URL, 500);
    await new Promise<void>((resolve) => c.once('connect', () => resolve()));
    expect(c.status).to.equal('connect');
    await closeConnection(c);
    await eventually('the connection ended', async () => (c.status === 'end' ? true : undefined), 5000, 10);
    // The ready check's failure arrives after the close event; give it the time a round trip would take.
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.filter((l) => l.includes('lock connection error'))).to.deep.equal([]);
  });

  it('sends QUIT to a ready connection and still reports a fault before any close', async () => {
    const c = lockConnection(REDIS_URL, 500);
    await eventually('ready', async () => (c.status === 'ready' ? true : undefined), 5000, 10);
    c.emit('error', new Error('a fault while open'));
    await closeConnection(c);
    await eventually('the connection ended', async () => (c.status === 'end' ? true : undefined), 5000, 10);
    expect(lines.filter((l) => l.includes('lock connection error'))).to.have.length(1);
    expect(lines[0]).to.include('a fault while open');
  });
});
