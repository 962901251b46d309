import { Redis } from 'ioredis';
import { log } from '../../log.ts';

/**
 * Redis connections. `SLOTFLOW_REDIS_URL` may list several servers separated
 * by commas: the first carries the queues, and all of them vote in Redlock.
 * The key prefix is hash-tagged (`{slotflow}`) so every key of one deployment
 * lands in one Redis Cluster slot, as BullMQ's Lua scripts need.
 */

/** A connection for BullMQ: blocking commands must wait forever rather than fail after a few retries. */
export function queueConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/**
 * A connection for task locks. Auto-pipelining sends the lock commands issued in one turn of the event loop in
 * one write: the answers that a group commit resolves together take and release their locks together.
 *
 * A vote must come soon or not at all (redlock-locks.ts): a Redlock try that has one vote for and one against
 * waits for the third server's, so a command that waits for a server to come back holds the lock up as long.
 * So no offline queue (a server that is down votes against at once), commands in flight fail when their
 * connection drops instead of being sent again after a reconnect, and each command gives up after
 * `commandTimeoutMs` (a server that does not answer: a blackholed link).
 */
export function lockConnection(url: string, commandTimeoutMs: number): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: commandTimeoutMs, enableReadyCheck: true, lazyConnect: false,
    enableAutoPipelining: true,
  });
  // Without a listener every reconnect attempt while Redis is away prints a stack; ioredis reconnects by itself.
  client.on('error', (e: Error) => {
    if (!closing.has(client)) log.warn('lock connection error', { url: new URL(url).host, error: e.message });
  });
  return client;
}

/** Connections asked to close: what they report from then on is the closing itself. */
const closing = new WeakSet<Redis>();

/**
 * Closes a connection: QUIT once it is ready, else drop it. A connection closed during its handshake (a command
 * that failed before Redis answered, say) still runs its ready check on the ended stream, and without an offline
 * queue that check fails with an error event; that error is the close, not a fault, so it is not reported.
 */
export async function closeConnection(client: Redis): Promise<void> {
  closing.add(client);
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}
