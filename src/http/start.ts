import type { FastifyInstance } from 'fastify';
import type { Distributed } from '../runtime/composition.ts';
import { engineServices, taskOutputs } from '../runtime/composition.ts';
import type { Settings } from '../settings.ts';
import { buildServer } from './server.ts';
import { AddressInUseError, UnsafeBindError } from './bind-errors.ts';

export { AddressInUseError, UnsafeBindError };

export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(addr);
  if (!m) throw new RangeError(`SLOTFLOW_HTTP_ADDR "${addr}" is not HOST:PORT`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Starts the HTTP API and the editors' page on the settings' address; a non-loopback address needs SLOTFLOW_API_TOKEN. */
export async function startHttp(d: Distributed, settings: Settings): Promise<{ app: FastifyInstance; url: string }> {
  const { host, port } = parseAddr(settings.httpAddr);
  if (!isLoopback(host) && !settings.apiToken) throw new UnsafeBindError(settings.httpAddr);
  const app = buildServer({ engine: d.engine, reads: d.reads, flows: d.flows, queue: d.queue, outputs: taskOutputs, services: await engineServices(settings, d.store), snapshots: d.store, apiToken: settings.apiToken, settings });
  let url: string;
  try {
    url = await app.listen({ host, port });
  } catch (e) {
    await app.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new AddressInUseError(settings.httpAddr, e);
    throw e;
  }
  d.onClose(() => app.close());
  return { app, url };
}
