import net from 'node:net';
import { expect } from 'chai';
import type { Distributed } from '../../src/runtime/composition.ts';
import { eventually } from '../support/env.ts';
import { useFullServer } from '../support/server.ts';
import { createTaskWithId } from '../support/tasks.ts';

/**
 * Every refusal of the API in one shape, `{ "error": { "code", "message" } }`,
 * with a status that tells the truth, against a real server with the real
 * MariaDB and Redis behind it.
 */

/** Sends bytes as they are (fetch would refuse to), and reads the answer until the server closes. */
function rawRequest(url: string, data: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(data));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const split = answer.indexOf('\r\n\r\n');
      const headers = answer.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0), headers, body: answer.slice(split + 4) });
    });
  });
}

interface ErrorBody {
  error: { code: string; message: string; phase?: string; status?: string; task?: string; candidates?: string[] };
}

describe('HTTP API refusals (MariaDB + Redis)', function () {
  this.timeout(90000);
  let d: Distributed;
  let base: string;
  const server = useFullServer();

  before(() => ({ d, base } = server()));

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const finished = (id: string) =>
    eventually(`task ${id} to finish`, async () => {
      const t = (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as { phase: string; status: string; video: string | null };
      return ['completed', 'failed', 'cancelled'].includes(t.phase) ? t : undefined;
    }, 60000, 200);

  it('answers an unknown route and a wrong method with a not-found error body that does not echo the path', async () => {
    const probe = 'no-such-route-' + 'x'.repeat(200);
    for (const [method, path] of [['GET', `/v1/${probe}`], ['GET', `/${probe}`], ['DELETE', '/v1/tasks'], ['PUT', '/healthz']] as const) {
      const res = await fetch(`${base}${path}`, { method });
      expect(res.status, `${method} ${path.slice(0, 30)}`).to.equal(404);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).to.equal('not-found');
      expect(body.error.message).to.not.include('no-such-route');
    }
  });

  describe('requests refused before routing, in the same error shape, without echoing the input', () => {
    const marker = 'echo-me-not-';
    const expectRefusal = (r: { status: number; headers: string; body: string }, status: number, code: string) => {
      expect(r.status).to.equal(status);
      expect(r.headers.toLowerCase()).to.include('content-type: application/json');
      const body = JSON.parse(r.body) as ErrorBody;
      expect(Object.keys(body.error)).to.have.members(['code', 'message']);
      expect(body.error.code).to.equal(code);
      expect(r.body).to.not.include(marker);
    };

    it('answers a URL over the parser limit with 414 uri-too-long', async () => {
      expectRefusal(await rawRequest(base, `GET /v1/tasks/${marker}${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`), 414, 'uri-too-long');
    });

    it('answers a URL over 8192 characters, or a path segment over 2048, that the parser lets through with 414 uri-too-long', async () => {
      for (const path of [`/healthz?q=${marker}${'a'.repeat(9000)}`, `/v1/tasks/${marker}${'a'.repeat(2100)}`, `/v1/tasks/${marker}${'a'.repeat(2100)}/events`]) {
        const res = await fetch(`${base}${path}`);
        expect(res.status, path.slice(0, 40)).to.equal(414);
        const text = await res.text();
        expect((JSON.parse(text) as ErrorBody).error.code).to.equal('uri-too-long');
        expect(text).to.not.include(marker);
      }
    });

    it('answers a path with a broken percent-escape with 400 bad-url', async () => {
      const res = await fetch(`${base}/v1/tasks/${marker}%zz`);
      expect(res.status).to.equal(400);
      const text = await res.text();
      expect((JSON.parse(text) as ErrorBody).error.code).to.equal('bad-url');
      expect(text).to.not.include(marker);
    });

    it('answers one header too large with 431 headers-too-large', async () => {
      expectRefusal(await rawRequest(base, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${marker}${'b'.repeat(20000)}\r\n\r\n`), 431, 'headers-too-large');
    });

    it('answers too many headers with 431 headers-too-large', async () => {
      const many = Array.from({ length: 3000 }, (_, i) => `X-${marker}${i}: v`).join('\r\n');
      expectRefusal(await rawRequest(base, `GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n\r\n`), 431, 'headers-too-large');
    });

    it('answers bytes that are not HTTP with 400 bad-request', async () => {
      expectRefusal(await rawRequest(base, `${marker}\r\n\r\n`), 400, 'bad-request');
    });
  });

  describe('task ids by unique prefix', () => {
    const shared = 'abcdef01';
    const one = `${shared}-0000-4000-8000-000000000001`;
    const two = `${shared}-0000-4000-8000-000000000002`;
    const alone = 'abcdef02-0000-4000-8000-000000000003';
    before(async () => {
      for (const id of [one, two, alone]) await createTaskWithId(d, id);
    });

    it('answers a task for a unique prefix of 8 characters or more, with its full id', async () => {
      for (const prefix of ['abcdef02', 'abcdef02-0000', 'ABCDEF02', alone]) {
        const res = await fetch(`${base}/v1/tasks/${prefix}`);
        expect(res.status, prefix).to.equal(200);
        expect(((await res.json()) as { id: string }).id).to.equal(alone);
      }
    });

    it('takes a prefix on the control routes too: cancel answers with the full id', async () => {
      const res = await post(`/v1/tasks/${alone.slice(0, 12)}/cancel`, {});
      expect(res.status).to.equal(202);
      expect(((await res.json()) as { id: string }).id).to.equal(alone);
    });

    it('refuses a prefix under 8 characters with 400 id-too-short', async () => {
      for (const path of ['/v1/tasks/abcdef0', '/v1/tasks/abc/events', '/v1/tasks/a/cancel']) {
        const res = path.endsWith('cancel') ? await post(path, {}) : await fetch(`${base}${path}`);
        expect(res.status, path).to.equal(400);
        expect(((await res.json()) as ErrorBody).error.code, path).to.equal('id-too-short');
      }
    });

    it('answers a prefix that begins no id, or text that could begin none however short, with 404 unknown-task', async () => {
      for (const path of ['/v1/tasks/ffffffff', '/v1/tasks/00000000-0000-0000-0000-000000000000/video', '/v1/tasks/not-a-task-id-at-all', '/v1/tasks/zz', '/v1/tasks/..x/video']) {
        const res = await fetch(`${base}${path}`);
        expect(res.status, path).to.equal(404);
        expect(((await res.json()) as ErrorBody).error.code, path).to.equal('unknown-task');
      }
    });

    it('refuses a prefix that begins several ids with 400 ambiguous-id, listing them', async () => {
      const res = await fetch(`${base}/v1/tasks/${shared}/events`);
      expect(res.status).to.equal(400);
      const { error } = (await res.json()) as ErrorBody;
      expect(error.code).to.equal('ambiguous-id');
      expect(error.candidates).to.deep.equal([one, two]);
      expect(error.message).to.include(one).and.include(two);
    });
  });

  describe('GET /v1/tasks', () => {
    const parent = '9876abcd-0000-4000-8000-000000000001';
    const child = '9876abcd-0000-4000-8000-000000000002';
    before(async () => {
      await createTaskWithId(d, parent, { title: 'Listed' });
      await createTaskWithId(d, child, { parentId: parent });
    });
    const list = async (query: string) => {
      const res = await fetch(`${base}/v1/tasks?limit=200${query}`);
      expect(res.status, query).to.equal(200);
      return ((await res.json()) as { tasks: Array<{ id: string; title: string | null; status: string }> }).tasks;
    };

    it('refuses a status no task can have with 400 invalid-option, listing the statuses', async () => {
      const res = await fetch(`${base}/v1/tasks?status=finished`);
      expect(res.status).to.equal(400);
      const { error } = (await res.json()) as { error: { code: string; message: string; statuses: string[] } };
      expect(error.code).to.equal('invalid-option');
      expect(error.statuses).to.include.members(['queued', 'running', 'completed', 'failed', 'cancelled', 'waiting', 'done']);
      expect(error.message).to.not.include('finished');
    });

    it('leaves fan-out children out unless all=true, and filters by phase or module status', async () => {
      expect((await list('')).map((t) => t.id)).to.include(parent).and.not.include(child);
      expect((await list('&all=true')).map((t) => t.id)).to.include(parent).and.include(child);
      expect((await list('&status=queued')).find((t) => t.id === parent)?.title).to.equal('Listed');
      expect((await list('&status=waiting')).map((t) => t.id)).to.include(parent);
      expect((await list('&status=cancelled')).map((t) => t.id)).to.not.include(parent);
    });
  });

  it('refuses a text/plain body with 415 unsupported-media-type', async () => {
    const res = await fetch(`${base}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'An article as plain text.' });
    expect(res.status).to.equal(415);
    expect(((await res.json()) as ErrorBody).error.code).to.equal('unsupported-media-type');
  });

  it('answers the same task for a reused Idempotency-Key with the same body, and 422 idempotency-key-reused with another', async () => {
    const body = { flow: 'bench-13', article: { body: 'One sentence.' } };
    const first = (await (await post('/v1/tasks', body, { 'idempotency-key': 'reuse-1' })).json()) as { id: string };
    const again = await post('/v1/tasks', body, { 'idempotency-key': 'reuse-1' });
    expect(again.status).to.equal(202);
    expect(((await again.json()) as { id: string }).id).to.equal(first.id);
    const other = await post('/v1/tasks', { ...body, article: { body: 'Another sentence.' } }, { 'idempotency-key': 'reuse-1' });
    expect(other.status).to.equal(422);
    expect(((await other.json()) as ErrorBody).error).to.include({ code: 'idempotency-key-reused', task: first.id });
    const otherFlow = await post('/v1/tasks', { ...body, flow: 'article-video' }, { 'idempotency-key': 'reuse-1' });
    expect(otherFlow.status).to.equal(422);
  });

  it('refuses to cancel a finished task with 409 not-cancellable and its status, and leaves it as it was', async () => {
    const { id } = (await (await post('/v1/tasks', { flow: 'bench-13', article: { body: 'Done soon.' } })).json()) as { id: string };
    expect((await finished(id)).phase).to.equal('completed');
    const res = await post(`/v1/tasks/${id}/cancel`, {});
    expect(res.status).to.equal(409);
    expect(((await res.json()) as ErrorBody).error).to.include({ code: 'not-cancellable', phase: 'completed', status: 'done' });
    const after = (await (await fetch(`${base}/v1/tasks/${id}`)).json()) as { phase: string };
    expect(after.phase).to.equal('completed');
  });

  it('ignores a Range header it cannot parse and serves the whole file with 200', async () => {
    const res = await post('/v1/tasks', { article: { body: '# Range\n\nA short article. It has two sentences.' }, options: { size: '160x90', music: false } });
    const { id } = (await res.json()) as { id: string };
    const done = await finished(id);
    expect(done.phase).to.equal('completed');
    const whole = Buffer.from(await (await fetch(`${base}${done.video!}`)).arrayBuffer());
    for (const range of ['bytes=abc', 'pages=1-2', 'bytes=-']) {
      const r = await fetch(`${base}${done.video!}`, { headers: { range } });
      expect(r.status, range).to.equal(200);
      expect(Buffer.compare(Buffer.from(await r.arrayBuffer()), whole), range).to.equal(0);
    }
  });

  it('names the process metrics without a doubled prefix', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).to.match(/^slotflow_process_cpu_seconds_total/m);
    expect(text).to.not.include('slotflow_process_process_');
  });
});
