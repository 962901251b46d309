/**
 * serverTime: one SELECT of MySQL's clock, no table.
 *   reads   NOW(3), the server's wall clock to the millisecond
 *   locks   nothing
 *   writes  nothing
 *   result  ms since the epoch by MySQL's clock: the clock every process shares (runtime/server-clock.ts)
 */
import type { Pool } from 'mysql2/promise';
import type { Rows } from '../connection.ts';

export async function serverTime(pool: Pool): Promise<number> {
  const [rows] = await pool.query<Rows>('SELECT UNIX_TIMESTAMP(NOW(3)) AS t');
  return Math.round(Number(rows[0]!.t) * 1000);
}
