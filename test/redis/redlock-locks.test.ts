import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { FaultProxy } from '../../scripts/chaos/hosts/proxy.ts';
import { lockConnection } from '../../src/adapters/redis/connections.ts';
import { DEFAULT_REDLOCK, LockTimeoutError, RedlockLocks } from '../../src/adapters/redis/redlock-locks.ts';
import { eventually, REDIS_URL } from '../support/env.ts';

/**
 * Task locks over three Redlock voters: three databases of the machine's real Redis (independent key spaces),
 * the third reached through the hosts harness's fault proxy when it must be silent or down. Another holder is a
 * key planted with a value of its own; the lock's `random` counts the tries (it is drawn once per failed try).
 */

const DBS = [1, 2, 3] as const;
const OTHER = 'another-holder';

describe('Redlock task locks', function () {
  this.timeout(30000);
  const prefix = `{sft-lock-${randomBytes(4).toString('hex')}}`;
  const key = `${prefix}:lock:task:t1`;
  const direct = DBS.map((db) => new Redis(`${REDIS_URL}/${db}`));
  const opened: Redis[] = [];
  let proxy: FaultProxy | undefined;

  afterEach(async () => {
    for (const c of opened.splice(0)) c.disconnect();
    await proxy?.close();
    proxy = undefined;
    await Promise.all(direct.map((c) => c.del(key)));
  });

  after(async () => {
    await Promise.all(direct.map((c) => c.quit()));
  });

  function voter(url: string): Redis {
    const c = lockConnection(url, 200);
    opened.push(c);
    return c;
  }

  /** The third voter behind a fault proxy in front of the real Redis. */
  async function proxied(): Promise<Redis> {
    const target = new URL(REDIS_URL);
    proxy = new FaultProxy('lock-test', '127.0.0.1', { host: target.hostname, port: Number(target.port || 6379) });
    await proxy.start();
    const c = voter(`redis://${proxy.address}/${DBS[2]}`);
    await eventually('the proxied voter ready', async () => (c.status === 'ready' ? true : undefined), 10000, 20);
    return c;
  }

  function locks(voters: Redis[], tries: { n: number }, acquireTimeoutMs = 20000): RedlockLocks {
    const random = () => {
      tries.n++;
      return 0.5;
    };
    return new RedlockLocks(voters, prefix, { ttlMs: 60000, acquireTimeoutMs, retryDelayMs: 10, retryJitterMs: 0 }, random);
  }

  /** Takes the lock while the planted holder keeps `held`; once a few tries failed, that holder lets go of `freed`. */
  async function takeWhenFreed(l: RedlockLocks, tries: { n: number }, freed: Redis): Promise<Array<string | null>> {
    const taken = l.withLock('task:t1', () => Promise.all(direct.map((c) => c.get(key))));
    await eventually('a few failed tries', async () => (tries.n >= 3 ? true : undefined), 20000, 5);
    await freed.del(key);
    return taken;
  }

  it('takes the lock once a quorum is free though an earlier try of its own won a vote (a failed try deletes what it set)', async () => {
    await direct[1]!.set(key, OTHER);
    await direct[2]!.set(key, OTHER);
    const tries = { n: 0 };
    const l = locks(DBS.map((db) => voter(`${REDIS_URL}/${db}`)), tries);
    // Each try wins db 1 alone; had it kept that key (60 s), db 1 would vote against every later try.
    const seen = await takeWhenFreed(l, tries, direct[1]!);
    expect(seen[0]).to.be.a('string').and.not.equal(OTHER);
    expect(seen[1]).to.equal(seen[0]);
    expect(seen[2]).to.equal(OTHER);
    expect(await direct[0]!.get(key), 'released').to.equal(null);
    expect(await direct[1]!.get(key), 'released').to.equal(null);
  });

  it('decides a split try without waiting for a server that does not answer (a blackholed link)', async () => {
    const silent = await proxied();
    proxy!.set({ blackhole: true });
    await direct[1]!.set(key, OTHER);
    const tries = { n: 0 };
    const l = locks([voter(`${REDIS_URL}/${DBS[0]}`), voter(`${REDIS_URL}/${DBS[1]}`), silent], tries);
    // One vote for, one against, the third never comes: each try ends at the command timeout, not at the heal.
    const seen = await takeWhenFreed(l, tries, direct[1]!);
    expect(seen[0]).to.be.a('string').and.not.equal(OTHER);
    expect(seen[1]).to.equal(seen[0]);
    expect(proxy!.faults.blackhole, 'still blackholed when the lock was taken').to.equal(true);
  });

  it('decides a split try at once when a server is down (no offline queue waiting for it to come back)', async () => {
    const gone = await proxied();
    proxy!.set({ down: true });
    await eventually('the voter sees its server gone', async () => (gone.status !== 'ready' ? true : undefined), 10000, 20);
    await direct[1]!.set(key, OTHER);
    const tries = { n: 0 };
    const l = locks([voter(`${REDIS_URL}/${DBS[0]}`), voter(`${REDIS_URL}/${DBS[1]}`), gone], tries);
    const seen = await takeWhenFreed(l, tries, direct[1]!);
    expect(seen[1]).to.equal(seen[0]);
    expect(proxy!.faults.down, 'still down when the lock was taken').to.equal(true);
  });

  it('gives up with a retryable lock-timeout error when no quorum comes, and leaves no key of its own', async () => {
    await direct[1]!.set(key, OTHER);
    await direct[2]!.set(key, OTHER);
    const tries = { n: 0 };
    const l = locks(DBS.map((db) => voter(`${REDIS_URL}/${db}`)), tries, 300);
    let ran = false;
    const error = await l.withLock('task:t1', async () => (ran = true)).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(LockTimeoutError);
    expect(error).to.include({ code: 'lock-timeout', retryable: true, key });
    expect((error as LockTimeoutError).tries).to.be.greaterThan(1);
    expect(ran).to.equal(false);
    // The last try's release may still be on its way to db 1 (it was decided by the other two votes).
    await eventually('its key on db 1 released', async () => ((await direct[0]!.get(key)) === null ? true : undefined), 5000, 20);
  });
});

/** Several task locks in one Redlock call, on the machine's Redis, under a prefix of this file's own. */
describe('task locks taken together (Redis)', () => {
  let redis: Redis;
  let locks: RedlockLocks;
  const prefix = `{sft-locks-${randomBytes(4).toString('hex')}}`;
  const held = async () => (await redis.keys(`${prefix}:lock:*`)).sort();
  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    locks = new RedlockLocks([redis], prefix, DEFAULT_REDLOCK);
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('holds every key while its function runs and lets them all go after', async () => {
    const inside = await locks.tryWithLocks(['task:a', 'task:b'], held);
    expect(inside).to.deep.equal({ value: [`${prefix}:lock:task:a`, `${prefix}:lock:task:b`] });
    expect(await held()).to.deep.equal([]);
  });

  it('takes none and runs nothing when one key is held elsewhere, without waiting for it', async () => {
    let ran = false;
    const outcome = await locks.withLock('task:b', () => locks.tryWithLocks(['task:a', 'task:b'], async () => (ran = true)));
    expect(outcome).to.equal(undefined);
    expect(ran).to.equal(false);
    expect(await held()).to.deep.equal([]);
  });
});
