/** The encode-slot semaphore on its own: first come first served, an abort leaves the line, a slot is freed however the work ends. */
import { expect } from 'chai';
import { EncodeSlots, SEGMENT_ENCODER_THREADS } from '../../../src/adapters/ffmpeg/index.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('encode slots', () => {
  it('runs at most `capacity` works at once and starts the waiting ones in arrival order', async () => {
    const slots = new EncodeSlots(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((g, i) => slots.hold(undefined, async () => {
      started.push(i);
      await g.promise;
    }));
    await new Promise((r) => setImmediate(r));
    expect(started).to.deep.equal([0, 1]);
    expect(slots.inUse).to.equal(2);
    expect(slots.waiting).to.equal(2);
    gates[1]!.resolve();
    await runs[1];
    await new Promise((r) => setImmediate(r));
    expect(started).to.deep.equal([0, 1, 2]);
    for (const g of gates) g.resolve();
    await Promise.all(runs);
    expect(slots.inUse).to.equal(0);
  });

  it('stops waiting when aborted, and the next in line gets the slot instead', async () => {
    const slots = new EncodeSlots(1);
    const gate = deferred();
    const first = slots.hold(undefined, () => gate.promise);
    const controller = new AbortController();
    const reason = new Error('timed out');
    const abandoned = slots.hold(controller.signal, async () => 'never');
    const third = slots.hold(undefined, async () => 'third');
    controller.abort(reason);
    expect(await abandoned.catch((e: unknown) => e)).to.equal(reason);
    expect(slots.waiting).to.equal(1);
    gate.resolve();
    await first;
    expect(await third).to.equal('third');
    expect(slots.inUse).to.equal(0);
  });

  it('frees the slot when the work throws', async () => {
    const slots = new EncodeSlots(1);
    const error = await slots.hold(undefined, async () => {
      throw new Error('ffmpeg failed');
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    expect(slots.inUse).to.equal(0);
  });

  it('gives every encode the same x264 thread count however many run at once, so the bytes do not depend on timing', async () => {
    const slots = new EncodeSlots(4);
    const alone = slots.encoderThreads();
    const gate = deferred();
    const seen: number[] = [];
    const runs = [0, 1, 2].map(() => slots.hold(undefined, async () => {
      await new Promise((r) => setImmediate(r));
      seen.push(slots.encoderThreads());
      await gate.promise;
    }));
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).to.deep.equal([alone, alone, alone]);
    expect(alone).to.equal(SEGMENT_ENCODER_THREADS);
    gate.resolve();
    await Promise.all(runs);
  });
});
