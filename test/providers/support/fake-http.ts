import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 (port 0) standing in for a remote API:
 * it records every request and answers with the test's handler.
 */

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type FakeHandler = (request: RecordedRequest, response: ServerResponse) => unknown;

export interface FakeServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  origin: string;
  requests: RecordedRequest[];
  /** Replaces the handler for the next requests. */
  handle(handler: FakeHandler): void;
  close(): Promise<void>;
}

export async function startFakeServer(handler: FakeHandler = notFound): Promise<FakeServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      Promise.resolve().then(() => current(recorded, res)).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(`fake server handler failed: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      current = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

export function notFound(_request: RecordedRequest, response: ServerResponse): void {
  response.statusCode = 404;
  response.end('not found');
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Answers each request with the next handler of the list; the last one repeats. */
export function sequence(...handlers: FakeHandler[]): FakeHandler {
  let index = 0;
  return (request, response) => {
    const handler = handlers[Math.min(index, handlers.length - 1)]!;
    index++;
    return handler(request, response);
  };
}

/** Retries inside one request, which callers outside the engine opt into, with no real backoff. */
export const FAST_RETRIES = { retries: 3, backoffMs: 5, maxBackoffMs: 20 } as const;
