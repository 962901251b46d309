import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { liveChildren } from './proc.ts';

/**
 * A redis-server of the benchmark's own, made durable per write: AOF on and
 * fsync on every write (`appendfsync always`), no RDB snapshots. That is what
 * BullMQ needs to promise what slotflow promises (an acknowledged transition
 * survives a crash of the machine). It runs in its own process group on a
 * free port with its own directory, and is stopped by its pid, never by name.
 */

const READY = /Ready to accept connections/;
const START_TIMEOUT_MS = 30000;
const STOP_GRACE_MS = 10000;

export interface PrivateRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startDurableRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-bench-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no'];
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  liveChildren.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  void exited.then(() => liveChildren.delete(child));
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      group('SIGTERM');
      const t = setTimeout(() => group('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms:\n${out}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        out = (out + chunk.toString()).slice(-4000);
        if (READY.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${out}`));
      });
    });
    const url = `redis://127.0.0.1:${port}`;
    const probe = new Redis(url, { maxRetriesPerRequest: 3 });
    try {
      const aof = await probe.config('GET', 'appendfsync');
      if ((aof as string[])[1] !== 'always') throw new Error(`redis-server on ${port} is not appendfsync always: ${String(aof)}`);
    } finally {
      probe.disconnect();
    }
    return { url, pid: child.pid!, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
