import { expect } from 'chai';
import { redisRestart } from '../../scripts/chaos/scenarios/redis-restart.ts';
import { expectPassed } from './expect-report.ts';

describe('chaos: Redis restart (short; private redis-server, 2 s down)', function () {
  this.timeout(120000);

  it('Redis killed mid-run and started empty: the sweeper rebuilds the queues from MySQL and every task completes', async () => {
    const r = await redisRestart('short');
    expectPassed(r);
    expect(Number(r.figures.redis_down_jobs_lost), 'open attempts whose job the restart lost').to.be.greaterThan(0);
    for (const cause of Object.keys(r.causes)) expect(cause).to.match(/^Redis restarted empty/);
  });
});
