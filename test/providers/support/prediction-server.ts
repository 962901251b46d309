import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that speaks the prediction protocol (Replicate's
 * shape): `POST /v1/predictions`, `GET /v1/predictions/:id`,
 * `POST /v1/predictions/:id/cancel`, and output files under `/files/`. Each
 * request is recorded with the server's own clock, so a test measures gaps
 * where the requests arrived. A test scripts it with `onSubmit` and
 * `onPoll`, which answer with a status and body (or with `undefined` for the
 * default: a created prediction, or the prediction as it now stands).
 */

export interface ServerRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Arrival, ms on the server's monotonic clock. */
  at: number;
}

export interface Scripted {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface PredictionState {
  id: string;
  status: string;
  input: unknown;
  output?: unknown;
  error?: unknown;
  /** Polls answered so far. */
  polls: number;
}

export interface PredictionServer {
  origin: string;
  requests: ServerRequest[];
  predictions: Map<string, PredictionState>;
  files: Map<string, Buffer>;
  /** Answers a submit; default 201 with a new `starting` prediction. */
  onSubmit: (request: ServerRequest, index: number) => Scripted | undefined;
  /** Answers a poll; default 200 with the prediction as it stands. Called after `polls` is counted. */
  onPoll: (prediction: PredictionState, request: ServerRequest) => Scripted | undefined;
  /** The requests to a path prefix. */
  requestsTo(prefix: string, method?: string): ServerRequest[];
  close(): Promise<void>;
}

export const REQUEST_ID = 'req-';

export async function startPredictionServer(): Promise<PredictionServer> {
  let seq = 0;
  let submits = 0;
  const requests: ServerRequest[] = [];
  const predictions = new Map<string, PredictionState>();
  const files = new Map<string, Buffer>();
  const send = (res: ServerResponse, answer: Scripted) => {
    const body = Buffer.isBuffer(answer.body) ? answer.body : Buffer.from(JSON.stringify(answer.body));
    res.writeHead(answer.status, {
      'content-type': Buffer.isBuffer(answer.body) ? 'application/octet-stream' : 'application/json',
      'x-request-id': `${REQUEST_ID}${++seq}`,
      ...answer.headers,
    });
    res.end(body);
  };
  const view = (p: PredictionState, origin: string) => ({
    id: p.id, status: p.status, input: p.input, output: p.output ?? null, error: p.error ?? null,
    urls: { get: `${origin}/v1/predictions/${p.id}`, cancel: `${origin}/v1/predictions/${p.id}/cancel` },
  });
  const server: PredictionServer = {
    origin: '',
    requests,
    predictions,
    files,
    onSubmit: () => undefined,
    onPoll: () => undefined,
    requestsTo: (prefix, method) => requests.filter((r) => r.path.startsWith(prefix) && (!method || r.method === method)),
    close: () => {
      http.closeAllConnections();
      return new Promise((resolve, reject) => http.close((e) => (e ? reject(e) : resolve())));
    },
  };
  const http = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        // kept as text
      }
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const request: ServerRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, at };
      requests.push(request);
      const file = /^\/files\/(.+)$/.exec(path);
      if (req.method === 'GET' && file) {
        const bytes = files.get(file[1]!);
        return bytes ? send(res, { status: 200, body: bytes }) : send(res, { status: 404, body: { detail: 'no file' } });
      }
      if (req.method === 'POST' && path === '/v1/predictions') {
        const scripted = server.onSubmit(request, submits++);
        if (scripted) return send(res, scripted);
        const p: PredictionState = { id: `p${predictions.size + 1}`, status: 'starting', input: (body as { input?: unknown })?.input, polls: 0 };
        predictions.set(p.id, p);
        return send(res, { status: 201, body: view(p, server.origin) });
      }
      const one = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(path);
      const p = one ? predictions.get(one[1]!) : undefined;
      if (!p) return send(res, { status: 404, body: { detail: 'not found' } });
      if (one![2] && req.method === 'POST') {
        if (!['succeeded', 'failed', 'canceled'].includes(p.status)) p.status = 'canceled';
        return send(res, { status: 200, body: view(p, server.origin) });
      }
      p.polls++;
      const scripted = server.onPoll(p, request);
      return send(res, scripted ?? { status: 200, body: view(p, server.origin) });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  server.origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return server;
}

/** The prediction as the server would show it. */
export function predictionBody(p: PredictionState): Record<string, unknown> {
  return { id: p.id, status: p.status, input: p.input, output: p.output ?? null, error: p.error ?? null };
}
