import { expect } from 'chai';
import { mysqlOutage } from '../../scripts/chaos/scenarios/mysql-outage.ts';
import { expectPassed } from './expect-report.ts';

describe('chaos: MySQL outage (short; private mariadbd, 2 s frozen then 2 s down)', function () {
  this.timeout(150000);

  it('MySQL unreachable twice mid-run: no process exits and every task completes once it is back', async () => {
    const r = await mysqlOutage('short');
    expectPassed(r);
    expect(Number(r.figures.mysql_freeze_open_attempts), 'work was in flight when it froze').to.be.greaterThan(0);
    expect(Number(r.figures.mysql_down_open_attempts), 'work was in flight when it went down').to.be.greaterThan(0);
    for (const cause of Object.keys(r.causes)) expect(cause).to.match(/^MySQL (frozen|down)/);
  });
});
