import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { databaseOf, openMysql } from '../../src/adapters/mysql/connection.ts';
import { connect, type Distributed, startScheduler } from '../../src/runtime/composition.ts';
import { leaksOfTest, MYSQL_SERVER, REDIS_URL, useFreshEnv } from './env.ts';
import { mysqlConnectionsOn } from './leaks.ts';

/**
 * The leak check itself: each test opens something, asks the check about
 * itself while it is open (it must be named) and again once it is closed
 * (nothing must be left). A short grace keeps the open case quick.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OPEN_GRACE_MS = 100;
const LEAKY = 'test/fixtures/leaks/leaky.spec.ts';

describe('leak check', function () {
  this.timeout(60000);
  const env = useFreshEnv();

  it('names a runtime a test opened and left open, with its MySQL pools, Redis connections and workers', async function () {
    const { settings } = env();
    const d = connect(settings);
    await startScheduler(d, settings);
    const leaks = await leaksOfTest(this.test!, OPEN_GRACE_MS);
    await d.close();
    expect(leaks).to.match(/1 runtime\(s\)/);
    expect(leaks).to.match(/MySQL pool: slotflow_t_/);
    expect(leaks).to.match(/Redis connection: 127\.0\.0\.1:6379/);
    expect(leaks).to.match(/BullMQ worker: queue schedule/);
    expect(await leaksOfTest(this.test!)).to.equal(undefined);
  });

  it('names a MySQL pool and a Redis connection opened without a runtime', async function () {
    const handle = openMysql(env().settings.mysqlUrl);
    const redis = new Redis(REDIS_URL);
    await redis.ping();
    const leaks = await leaksOfTest(this.test!, OPEN_GRACE_MS);
    await handle.close();
    await redis.quit();
    expect(leaks).to.not.match(/runtime/);
    // openMysql opens three: plain statements, multi-statement batches, and group commit's own READ COMMITTED sessions.
    expect(leaks!.match(/MySQL pool/g)).to.have.length(3);
    expect(leaks!.match(/Redis connection/g)).to.have.length(1);
    expect(await leaksOfTest(this.test!)).to.equal(undefined);
  });

  it('names a listening HTTP server', async function () {
    const server = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const leaks = await leaksOfTest(this.test!, OPEN_GRACE_MS);
    await new Promise((resolve) => server.close(resolve));
    expect(leaks).to.match(/server: listening socket/);
    expect(await leaksOfTest(this.test!)).to.equal(undefined);
  });

  it('names a child process that is still running', async function () {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const leaks = await leaksOfTest(this.test!, OPEN_GRACE_MS);
    child.kill('SIGKILL');
    await exited;
    expect(leaks).to.match(/child process: sleep/);
    expect(await leaksOfTest(this.test!)).to.equal(undefined);
  });

  it('counts every MySQL connection the server holds on the file\'s database, tracked or not', async () => {
    const { mysqlUrl } = env().settings;
    const database = databaseOf(mysqlUrl);
    const idle = await mysqlConnectionsOn(MYSQL_SERVER, database);
    const conn = await mysql.createConnection({ uri: mysqlUrl });
    try {
      expect(await mysqlConnectionsOn(MYSQL_SERVER, database, 0)).to.equal(idle + 1);
    } finally {
      await conn.end();
    }
    expect(await mysqlConnectionsOn(MYSQL_SERVER, database)).to.equal(idle);
  });

  describe('with a runtime the file opened in a before hook', () => {
    let shared: Distributed;
    before(async () => {
      const { settings } = env();
      shared = connect(settings);
      await startScheduler(shared, settings);
    });
    after(async () => {
      await shared?.close();
    });

    it('does not blame the test for it, even when the runtime\'s pools grow during the test', async function () {
      await Promise.all(Array.from({ length: 4 }, (_, i) => shared.store.readTask(`missing-${i}`)));
      expect(await leaksOfTest(this.test!, OPEN_GRACE_MS)).to.equal(undefined);
    });
  });

  it('fails the leaky test in its afterEach and the file in its after hook, in a real mocha run', async () => {
    // Without the config file, whose spec list would be run as well.
    const run = await execa('npx', ['mocha', '--no-config', '--node-option', 'import=tsx', '--timeout', '20000', '--exit', '--reporter', 'json', LEAKY], {
      cwd: REPO, reject: false, env: { SLOTFLOW_LOG_LEVEL: 'warn' },
    });
    const report = JSON.parse(String(run.stdout)) as { passes: Array<{ title: string }>; failures: Array<{ fullTitle: string; err: { message: string } }> };
    expect(run.exitCode).to.equal(2);
    expect(report.passes.map((t) => t.title)).to.deep.equal(['uses the runtime its file opened', 'opens a runtime and forgets it']);
    const [perTest, perFile] = report.failures;
    expect(perTest!.fullTitle).to.match(/"after each" hook: leak check for "opens a runtime and forgets it"/);
    expect(perTest!.err.message).to.match(/1 runtime\(s\)/).and.match(/MySQL pool/).and.match(/Redis connection/);
    expect(perFile!.fullTitle).to.match(/"after all" hook: leak check and cleanup/);
    expect(perFile!.err.message).to.match(/1 runtime\(s\)/);
  });
});
