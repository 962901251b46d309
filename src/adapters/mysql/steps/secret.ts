/**
 * secret: an INSERT IGNORE, then a SELECT by primary key.
 *   writes  secrets: the generated value under `name`, only when none is stored yet
 *   locks   the primary key entry of the name
 *   result  the stored value: the one this call generated, or the one another process stored
 *           first (every process ends up with the same value)
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../connection.ts';
import { secrets } from '../schema.ts';

export async function secret(db: Db, name: string, generate: () => string): Promise<string> {
  await db.insert(secrets).ignore().values({ name, value: generate(), createdAt: new Date() });
  const rows = await db.select({ value: secrets.value }).from(secrets).where(eq(secrets.name, name));
  return rows[0]!.value;
}
