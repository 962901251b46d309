import { createServer, type Server, Socket } from 'node:net';

/**
 * A fault-injecting TCP proxy: one listener per link (a client host to a
 * server), forwarding to the server, with faults set at run time. The kernel
 * here has no netem, so this is where latency, resets and blackholes come
 * from:
 *
 *   delayMs ± jitterMs   every chunk, each direction, held this long (order kept per direction)
 *   resetProbability     each new connection is reset (RST) at once with this probability
 *   blackhole            nothing is forwarded either way and nothing is closed: the peer hears silence
 *   down                 new connections are refused (reset) and open ones reset: a link that fails loudly
 *
 * Healing a blackhole lets the held-back bytes through, as a link that comes
 * back does with retransmits; the sockets were never closed.
 */

export interface LinkFaults {
  delayMs: number;
  jitterMs: number;
  resetProbability: number;
  blackhole: boolean;
  down: boolean;
}

export const NO_FAULTS: Readonly<LinkFaults> = { delayMs: 0, jitterMs: 0, resetProbability: 0, blackhole: false, down: false };

export interface LinkStats {
  connections: number;
  resets: number;
  bytes: number;
}

export class FaultProxy {
  readonly faults: LinkFaults = { ...NO_FAULTS };
  readonly stats: LinkStats = { connections: 0, resets: 0, bytes: 0 };
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<() => void>();
  private server: Server | undefined;
  port = 0;

  constructor(
    readonly name: string,
    private readonly listenHost: string,
    private readonly target: { host: string; port: number },
    private readonly random: () => number = Math.random,
  ) {}

  async start(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.listenHost, () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
  }

  get address(): string {
    return `${this.listenHost}:${this.port}`;
  }

  set(faults: Partial<LinkFaults>): void {
    Object.assign(this.faults, faults);
    if (faults.down) for (const s of this.sockets) s.resetAndDestroy();
    if (faults.blackhole === false) for (const release of [...this.held]) release();
  }

  clear(): void {
    this.set({ ...NO_FAULTS });
  }

  private accept(client: Socket): void {
    this.stats.connections++;
    if (this.faults.down || (this.faults.resetProbability > 0 && this.random() < this.faults.resetProbability)) {
      this.stats.resets++;
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    this.sockets.add(client);
    this.sockets.add(upstream);
    const close = () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
    upstream.connect(this.target.port, this.target.host);
  }

  /**
   * Forwards `from` to `to` through the faults. Each chunk is due at its arrival plus the delay, never before the
   * chunk ahead of it; one queue and one timer per direction send them strictly in order (timers of different
   * durations that fall due together may fire in any order, so a timer per chunk could reorder the stream).
   * While the link is blackholed nothing is sent and the queue only grows.
   */
  private pipe(from: Socket, to: Socket): void {
    const queue: Array<{ chunk: Buffer; due: number }> = [];
    let timer: NodeJS.Timeout | undefined;
    let lastDue = 0;
    let parked = false;
    const pump = () => {
      timer = undefined;
      if (this.faults.blackhole) {
        parked = true;
        const release = () => {
          this.held.delete(release);
          parked = false;
          pump();
        };
        this.held.add(release);
        return;
      }
      const now = Date.now();
      while (queue.length > 0 && queue[0]!.due <= now) {
        const { chunk } = queue.shift()!;
        this.stats.bytes += chunk.length;
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(pump, queue[0]!.due - now);
    };
    from.on('data', (chunk: Buffer) => {
      const wait = Math.max(0, this.faults.delayMs + (this.random() * 2 - 1) * this.faults.jitterMs);
      lastDue = Math.max(Date.now() + wait, lastDue);
      queue.push({ chunk, due: lastDue });
      if (timer === undefined && !parked) pump();
    });
    from.once('close', () => clearTimeout(timer));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    for (const release of [...this.held]) this.held.delete(release);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
