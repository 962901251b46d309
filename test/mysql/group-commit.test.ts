import { expect } from 'chai';
import { type BatchResult, openMysql, type MysqlHandle, type ResultSetHeader, type Rows } from '../../src/adapters/mysql/connection.ts';
import { type BatchStep, GroupCommit } from '../../src/adapters/mysql/group-commit.ts';
import { useFreshEnv } from '../support/env.ts';

/** A step that inserts one row into a scratch table and reads back how many rows the table has after its commit. */
function insert(key: string, value: string): BatchStep<{ inserted: number; rowsAfter: number }> {
  return {
    key,
    build: () => ({
      statements: [['INSERT INTO scratch (k, v) VALUES (?, ?)', [key, value]]],
      after: [['SELECT COUNT(*) AS n FROM scratch', []]],
      read: (own: BatchResult[], after: BatchResult[]) => ({
        inserted: (own[0] as ResultSetHeader).affectedRows,
        rowsAfter: Number((after[0] as Rows)[0]!.n),
      }),
    }),
  };
}

describe('group commit (MariaDB)', () => {
  const env = useFreshEnv();
  let handle: MysqlHandle;

  beforeEach(async () => {
    handle = openMysql(env().settings.mysqlUrl);
    await handle.pool.query('CREATE TABLE IF NOT EXISTS scratch (k VARCHAR(16) PRIMARY KEY, v VARCHAR(4) NOT NULL)');
    await handle.pool.query('TRUNCATE scratch');
  });
  afterEach(async () => {
    await handle.close();
  });

  it('sends the steps that arrive while a batch is in flight together, in one transaction', async () => {
    const commits = new GroupCommit(handle.commitPool, 1);
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => commits.run(insert(k, 'x'))));
    expect(results.map((r) => r.inserted)).to.deep.equal([1, 1, 1, 1, 1]);
    // The first goes alone; the four that waited for it commit together, so each reads all five after the commit.
    expect(results.map((r) => r.rowsAfter)).to.deep.equal([1, 5, 5, 5, 5]);
  });

  it('fails only the step that is bad: the others in its batch are applied once', async () => {
    const commits = new GroupCommit(handle.commitPool, 1);
    const first = commits.run(insert('first', 'x'));
    const rest = ['a', 'b', 'c'].map((k) => commits.run(insert(k, k === 'b' ? 'far too long' : 'x')).then((r) => r, (e: Error) => e));
    await first;
    const [a, b, c] = await Promise.all(rest);
    expect(a).to.include({ inserted: 1 });
    expect(b).to.be.instanceOf(Error).with.property('message').that.matches(/too long/i);
    expect(c).to.include({ inserted: 1 });
    const [rows] = await handle.pool.query<Rows>('SELECT k FROM scratch ORDER BY k');
    expect(rows.map((r) => r.k)).to.deep.equal(['a', 'c', 'first']);
  });

  it('runs its batches at READ COMMITTED, set on each connection of its pool when it opens', async () => {
    const commits = new GroupCommit(handle.commitPool, 2);
    const level = (key: string) => commits.run({
      key,
      build: () => ({ statements: [['SELECT @@tx_isolation AS level', []]], read: (own: BatchResult[]) => String((own[0] as Rows)[0]!.level) }),
    });
    expect(await Promise.all(['a', 'b', 'c'].map(level))).to.deep.equal(['READ-COMMITTED', 'READ-COMMITTED', 'READ-COMMITTED']);
    // The other pools keep the server's default.
    const [rows] = await handle.batchPool.query<Rows>('SELECT @@tx_isolation AS level');
    expect(rows[0]!.level).to.equal('REPEATABLE-READ');
  });
});
