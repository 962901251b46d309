import { performance } from 'node:perf_hooks';

/**
 * The clock callback deadlines and token expiries are judged by. Tokens are
 * issued on a worker and checked by whichever process serves the API, and a
 * deadline job may be promoted by any worker (BullMQ judges delays by the
 * clock of the worker that fetches): judged by each host's own wall clock, a
 * host whose clock runs ahead would refuse tokens and fail attempts early by
 * its skew. So they are judged by MySQL's clock, which every process shares:
 * each process learns its offset from MySQL (`SELECT NOW(3)`, corrected by
 * half the round trip) and keeps it, measured again every `RESYNC_MS` on the
 * local monotonic clock, which no wall-clock skew moves. A failed
 * measurement keeps the last offset (none yet: the local clock).
 */

export interface Clock {
  /** Now, in ms since the epoch, by the shared clock. */
  now(): Promise<number>;
}

/** The process's own wall clock: for the embedded runtime, which is one host. */
export const localClock: Clock = { now: () => Promise.resolve(Date.now()) };

export const RESYNC_MS = 30000;

/** A clock that follows `serverTime` (ms since the epoch on the shared server) with an offset measured now and then. */
export function serverClock(serverTime: () => Promise<number>, resyncMs = RESYNC_MS): Clock {
  let offset = 0;
  let measuredAt: number | undefined;
  let measuring: Promise<void> | undefined;
  const measure = async () => {
    const before = performance.now();
    const localBefore = Date.now();
    try {
      const server = await serverTime();
      const half = (performance.now() - before) / 2;
      offset = server - (localBefore + half);
      measuredAt = performance.now();
    } catch {
      // Keep the last offset; the next call tries again.
    }
  };
  return {
    async now() {
      if (measuredAt === undefined || performance.now() - measuredAt >= resyncMs) {
        measuring ??= measure().finally(() => (measuring = undefined));
        await measuring;
      }
      return Date.now() + offset;
    },
  };
}
