/**
 * choose-take: one transaction.
 *   locks   the takes of one scene (parent, component, attempt, item), FOR UPDATE
 *   writes  tasks.chosen of each: true for `take`, false for the others; nothing when the
 *           scene has no such take
 *   result  whether the take exists
 */
import type { Pool } from 'mysql2/promise';
import type { Rows } from '../connection.ts';

export async function chooseTake(pool: Pool, parentId: string, component: string, attempt: number, scene: number, take: number): Promise<boolean> {
  const where = 'parent_id = ? AND parent_component = ? AND parent_attempt = ? AND scene_index = ?';
  const at = [parentId, component, attempt, scene];
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const [rows] = await conn.execute<Rows>(`SELECT take FROM tasks WHERE ${where} FOR UPDATE`, at);
    if (!rows.some((r) => Number(r.take) === take)) {
      await conn.rollback();
      return false;
    }
    await conn.execute(`UPDATE tasks SET chosen = (take = ?) WHERE ${where}`, [take, ...at]);
    await conn.commit();
    return true;
  } catch (e) {
    await conn.rollback().catch(() => {});
    throw e;
  } finally {
    conn.release();
  }
}
