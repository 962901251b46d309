/**
 * Removes what an interrupted benchmark left behind: the `slotflow_bench_*`
 * databases and the Redis keys under `{sfb-*}` prefixes (only those: the
 * shared Redis is never flushed).
 * Usage: npx tsx scripts/bench/cleanup.ts
 */
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { deletePrefix, MYSQL_SERVER, REDIS_URL } from './lib/env.ts';

async function main(): Promise<void> {
  const admin = await mysql.createConnection({ uri: `${MYSQL_SERVER}/` });
  try {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(`SHOW DATABASES LIKE 'slotflow\\_bench\\_%'`);
    for (const r of rows) {
      const name = String(Object.values(r)[0]);
      if (!/^slotflow_bench_[0-9a-f]+$/.test(name)) continue;
      await admin.query(`DROP DATABASE \`${name}\``);
      console.log(`dropped database ${name}`);
    }
  } finally {
    await admin.end();
  }
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const prefixes = new Set<string>();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', '{sfb-*', 'COUNT', 5000);
      cursor = next;
      for (const k of keys) {
        const m = /^\{sfb-[0-9a-f]+(?:-bull)?\}/.exec(k);
        if (m) prefixes.add(m[0]);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  for (const p of prefixes) console.log(`deleted ${await deletePrefix(p)} keys under ${p}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
