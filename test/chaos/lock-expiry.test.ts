import { expect } from 'chai';
import { lockExpiry } from '../../scripts/chaos/scenarios/lock-expiry.ts';
import { expectPassed } from './expect-report.ts';

describe('chaos: lock expiry (short)', function () {
  this.timeout(90000);

  it('a completion paused past the Redlock TTL loses its compare-and-swap and re-plans: no update lost, none applied twice', async () => {
    const r = await lockExpiry('short');
    expectPassed(r);
    expect(r.figures.lock_overlaps, 'the second writer got the expired lock every round').to.equal(r.figures.rounds);
    expect(r.figures.stale_writes_refused, 'one refused stale write per paused answer').to.equal(Number(r.figures.rounds) * 3);
    expect(r.figures.no_lock_cas_losses, 'without a lock, writers collide and the CAS sorts them out').to.be.greaterThan(0);
  });
});
