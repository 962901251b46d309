import { expect } from 'chai';
import { callbacks } from '../../scripts/chaos/scenarios/callbacks.ts';
import { expectPassed } from './expect-report.ts';

describe('chaos: hostile callbacks', function () {
  this.timeout(90000);

  it('forged, retargeted, malformed, expired, unknown, stale and replayed tokens and bad or oversize bodies: the right status, the word unchanged, the rejection counted', async () => {
    const r = await callbacks('short');
    expectPassed(r);
    expect(r.figures.refused_correctly).to.equal(r.figures.hostile_answers);
  });
});
