import os from 'node:os';

/**
 * Segments (title cards, scenes) one process encodes at once, and how many
 * x264 threads each of them gets (always the same number). One slot per core by default: more
 * encodes would only share the same cores, and each holds about 200 MB of
 * frames at 1080×1920; the rest wait their turn, first come first served.
 *
 * Made once by whoever builds the pipeline's dependencies and handed to every
 * function that encodes a segment, so two pipelines in one process (or two
 * tests) can share or not share their slots, as they choose.
 */
/** See `EncodeSlots.encoderThreads`. */
export const SEGMENT_ENCODER_THREADS = 2;

export class EncodeSlots {
  /** Segments holding a slot, counted from their first step. */
  private held = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly capacity: number = os.availableParallelism()) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`encode slots must be a positive integer, got ${capacity}`);
  }

  /** Slots held now. */
  get inUse(): number {
    return this.held;
  }

  /** Calls waiting for a slot now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Runs `work` holding a slot, from before its preparation, so that segments
   * started together (scenes rendered in parallel) all see each other when
   * their encoders start. An abort while waiting rejects with the signal's
   * reason and takes the call out of the line; the slot is released however
   * `work` ends.
   */
  async hold<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    await this.acquire(signal);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /**
   * x264 threads for every segment encode, fixed. x264 is deterministic for
   * a given thread count but its stream depends on that count, so deriving
   * it from how many encodes happen to run at the moment (as this once did)
   * made two renders of the same article differ in their bytes. Two threads:
   * with one slot per core, two encodes on two cores lose about 7 % of CPU to
   * frame threading against one thread each, and a lone encode still uses
   * both cores.
   */
  encoderThreads(): number {
    return SEGMENT_ENCODER_THREADS;
  }

  private async acquire(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.held < this.capacity) {
      this.held++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.splice(this.waiters.indexOf(granted), 1);
        reject(signal?.reason);
      };
      const granted = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(granted);
    });
  }

  /** Hands the slot to the next waiting segment, if any. */
  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held--;
  }
}
