import { expect } from 'chai';
import { FaultProxy } from '../../scripts/chaos/hosts/proxy.ts';
import { startHttp } from '../../src/http/start.ts';
import { connect, type Distributed } from '../../src/runtime/composition.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * The HTTP API while its MySQL is away: the API's runtime reaches the machine's real MariaDB through the hosts
 * harness's fault proxy, which then blackholes the link (nothing forwarded, nothing closed: a partition) or takes
 * it down (connections reset). Requests that need the database answer 503 `database-unavailable`, never 500 and
 * never a hang (the MySQL timeout is 300 ms here); once the link is back they are answered again.
 */

const MYSQL_TIMEOUT_MS = 300;
/** A client that waited this long would be hanging: far beyond the store's retry budget plus one timeout. */
const CLIENT_TIMEOUT_MS = 60000;

describe('HTTP API without its database', function () {
  this.timeout(90000);
  const env = useFreshEnv();
  let proxy: FaultProxy;
  let d: Distributed | undefined;
  let base = '';

  before(async () => {
    const { settings } = env();
    const url = new URL(settings.mysqlUrl);
    proxy = new FaultProxy('api>db', '127.0.0.1', { host: url.hostname, port: Number(url.port || 3306) });
    await proxy.start();
    url.host = proxy.address;
    const through = { ...settings, mysqlUrl: url.toString(), mysqlTimeoutMs: MYSQL_TIMEOUT_MS };
    d = connect(through);
    base = (await startHttp(d, { ...through, httpAddr: '127.0.0.1:0' })).url;
  });

  afterEach(() => proxy.clear());

  after(async () => {
    proxy.clear();
    await d?.close();
    await proxy.close();
  });

  async function get(path: string) {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: { code: string; message: string } } };
  }

  it('answers 503 database-unavailable while the link to MySQL is blackholed, and 200 once it is back', async () => {
    expect((await get('/v1/tasks')).status).to.equal(200);
    proxy.set({ blackhole: true });
    const refused = await get('/v1/tasks');
    expect(refused.status, JSON.stringify(refused.body)).to.equal(503);
    expect(refused.body.error?.code).to.equal('database-unavailable');
    expect(refused.retryAfter).to.match(/^\d+$/);
    expect((await get('/v1/stats')).status).to.equal(503);
    proxy.set({ blackhole: false });
    expect((await get('/v1/tasks')).status).to.equal(200);
  });

  it('answers 503 database-unavailable while connections to MySQL are reset', async () => {
    expect((await get('/v1/tasks')).status).to.equal(200);
    proxy.set({ down: true });
    const refused = await get('/v1/tasks');
    expect(refused.status, JSON.stringify(refused.body)).to.equal(503);
    expect(refused.body.error?.code).to.equal('database-unavailable');
    proxy.set({ down: false });
    expect((await get('/v1/tasks')).status).to.equal(200);
  });

  it('still needs no database for /healthz', async () => {
    proxy.set({ blackhole: true });
    expect((await get('/healthz')).status).to.equal(200);
  });
});
