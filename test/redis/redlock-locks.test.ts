import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { DEFAULT_REDLOCK, RedlockLocks } from '../../src/adapters/redis/redlock-locks.ts';
import { REDIS_URL } from '../support/env.ts';

/** Several task locks in one Redlock call, on the machine's Redis, under a prefix of this file's own. */
describe('task locks taken together (Redis)', () => {
  let redis: Redis;
  let locks: RedlockLocks;
  const prefix = `{sft-locks-${randomBytes(4).toString('hex')}}`;
  const held = async () => (await redis.keys(`${prefix}:lock:*`)).sort();
  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    locks = new RedlockLocks([redis], prefix, { ...DEFAULT_REDLOCK, retryCount: 3 });
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
