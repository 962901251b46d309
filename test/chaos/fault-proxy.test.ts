import { expect } from 'chai';
import { createServer, type Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultProxy } from '../../scripts/chaos/hosts/proxy.ts';

/** The hosts harness's fault proxy against a real echo server on loopback. */

describe('chaos fault proxy', () => {
  let echo: Server;
  let proxy: FaultProxy;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
    proxy = new FaultProxy('test', '127.0.0.1', { host: '127.0.0.1', port: (echo.address() as { port: number }).port });
    await proxy.start();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await proxy.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  async function connect(): Promise<{ socket: Socket; received: () => string; closed: Promise<string> }> {
    const socket = new Socket();
    sockets.push(socket);
    let text = '';
    socket.setEncoding('utf8').on('data', (d: string) => (text += d));
    const closed = new Promise<string>((resolve) => {
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      socket.once('close', () => resolve('closed'));
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve).once('error', reject);
      socket.connect(proxy.port, '127.0.0.1');
    });
    return { socket, received: () => text, closed };
  }

  it('keeps the bytes of a connection in order under delay and jitter', async () => {
    proxy.set({ delayMs: 15, jitterMs: 15 });
    const { socket, received } = await connect();
    const sent = Array.from({ length: 120 }, (_, i) => `${i},`);
    for (const piece of sent) {
      socket.write(piece);
      await new Promise((r) => setImmediate(r));
    }
    const want = sent.join('');
    for (let i = 0; i < 200 && received().length < want.length; i++) await sleep(20);
    expect(received()).to.equal(want);
  });

  it('a blackhole forwards nothing and closes nothing until it is lifted, then lets the held bytes through', async () => {
    const { socket, received, closed } = await connect();
    socket.write('before;');
    for (let i = 0; i < 50 && received() !== 'before;'; i++) await sleep(10);
    proxy.set({ blackhole: true });
    socket.write('during;');
    await sleep(200);
    expect(received()).to.equal('before;');
    expect(socket.destroyed).to.equal(false);
    proxy.set({ blackhole: false });
    for (let i = 0; i < 50 && received() !== 'before;during;'; i++) await sleep(10);
    expect(received()).to.equal('before;during;');
    socket.destroy();
    await closed;
  });

  it('down resets open connections and refuses new ones', async () => {
    const { closed } = await connect();
    proxy.set({ down: true });
    expect(await closed).to.equal('ECONNRESET');
    const again = await connect().then((c) => c.closed, (e: NodeJS.ErrnoException) => e.code ?? 'refused');
    expect(['ECONNRESET', 'closed']).to.include(again);
    expect(proxy.stats.resets).to.be.greaterThan(0);
  });
});
