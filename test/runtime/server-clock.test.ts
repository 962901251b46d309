import { expect } from 'chai';
import { openMysql } from '../../src/adapters/mysql/connection.ts';
import { serverTime } from '../../src/adapters/mysql/steps/server-time.ts';
import { serverClock } from '../../src/runtime/server-clock.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * The shared clock callback deadlines and tokens are judged by: a process's wall clock plus the offset it measured
 * from the server's. The skewed hosts themselves are the hosts chaos run's clock-skew fault (scripts/chaos/hosts/).
 */
describe('server clock', () => {
  const env = useFreshEnv();
  const SKEW_MS = 30000;

  it("follows a server whose clock is 30 s off this process's, measuring the offset once per resync", async () => {
    let asked = 0;
    const clock = serverClock(async () => {
      asked++;
      return Date.now() + SKEW_MS;
    });
    const [first, second] = [await clock.now(), await clock.now()];
    const local = Date.now();
    // The offset is the skew less half a round trip of a function call: well under a second either way.
    for (const t of [first, second]) expect(Math.abs(t - SKEW_MS - local)).to.be.lessThan(1000);
    expect(asked).to.equal(1);
  });

  it('keeps the last offset when a measurement fails, and tries again on the next call', async () => {
    let fail = false;
    let asked = 0;
    const clock = serverClock(async () => {
      asked++;
      if (fail) throw new Error('server unreachable');
      return Date.now() - SKEW_MS;
    }, 0);
    await clock.now();
    fail = true;
    const during = await clock.now();
    expect(Math.abs(during + SKEW_MS - Date.now())).to.be.lessThan(1000);
    expect(asked).to.equal(2);
    fail = false;
    await clock.now();
    expect(asked).to.equal(3);
  });

  it("reads MariaDB's clock in ms since the epoch", async () => {
    const handle = openMysql(env().settings.mysqlUrl, 1);
    try {
      const [server, local] = [await serverTime(handle.pool), Date.now()];
      expect(Number.isInteger(server)).to.equal(true);
      // The same machine's clock: the two agree to well within a second.
      expect(Math.abs(server - local)).to.be.lessThan(1000);
    } finally {
      await handle.close();
    }
  });
});
