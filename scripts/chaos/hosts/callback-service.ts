import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileFlow, type CompiledFlow } from '../../../src/core/flow/compile.ts';
import type { ComponentSpec } from '../../../src/core/flow/document.ts';

/**
 * The external service of the clock-skew fault's `callback` components, on
 * the harness's address (every host reaches it over the bridge). It takes
 * each post, answers 202, and after `answerAfterMs` posts the answer to the
 * attempt's token on one of the APIs it was given, taking them in turn for
 * each host that issued tokens, so tokens issued on every worker are checked
 * on every API host. The issuing host is the post's source address. Each
 * answer's status (and error code) is recorded, by issuer and checker.
 */

export interface CallbackRecord {
  task: string;
  component: string;
  attempt: number;
  issuer: string;
  checker: string;
  /** The token's expiry claim less the time the post arrived, by the harness's clock. */
  expiresInMs: number;
  status: number | 'no-answer';
  code?: string;
}

export class CallbackService {
  readonly records: CallbackRecord[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly turn = new Map<string, number>();
  private server: Server | undefined;

  constructor(
    private readonly address: string,
    private readonly port: number,
    /** Host name by address, for the post's source. */
    private readonly hostsByAddress: ReadonlyMap<string, string>,
    private readonly answerAfterMs: number,
  ) {}

  /** The APIs answers go to, by host: set once they run. */
  apis: Array<{ host: string; url: string }> = [];

  get url(): string {
    return `http://${this.address}:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(202).end();
        const from = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
        const work = JSON.parse(body) as { task_id: string; component: string; attempt: number; callback_url: string };
        const answered = this.answer(work, this.hostsByAddress.get(from) ?? from, Date.now());
        this.pending.add(answered);
        void answered.finally(() => this.pending.delete(answered));
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, this.address, () => resolve());
    });
  }

  private async answer(work: { task_id: string; component: string; attempt: number; callback_url: string }, issuer: string, receivedAt: number): Promise<void> {
    const token = work.callback_url.split('/').at(-1)!;
    const claims = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { e: number };
    const n = this.turn.get(issuer) ?? 0;
    this.turn.set(issuer, n + 1);
    const api = this.apis[n % this.apis.length]!;
    await sleep(this.answerAfterMs);
    const record: CallbackRecord = {
      task: work.task_id, component: work.component, attempt: work.attempt, issuer, checker: api.host, expiresInMs: claims.e - receivedAt, status: 'no-answer',
    };
    try {
      const res = await fetch(`${api.url}/v1/callbacks/${token}`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'succeeded', output: { issuer, checker: api.host } }), signal: AbortSignal.timeout(30000),
      });
      record.status = res.status;
      if (res.status >= 300) record.code = ((await res.json().catch(() => ({}))) as { error?: { code?: string } }).error?.code;
      else await res.body?.cancel();
    } catch (e) {
      record.code = (e as Error).message;
    }
    this.records.push(record);
  }

  async stop(): Promise<void> {
    await Promise.all(this.pending);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** `width` sleeping components, `width` callback components on `/work` with the given deadline, and a join of them all. */
export function mixedFlow(name: string, width: number, sleepMs: number, timeoutMs: number): CompiledFlow {
  const components: ComponentSpec[] = [];
  for (let i = 0; i < width; i++) {
    components.push({ component_name: `C${i}`, slot_index: 2 * i, depends: [], handler: 'builtin.sleep', params: { ms: sleepMs } });
    components.push({ component_name: `K${i}`, slot_index: 2 * i + 1, depends: [], kind: 'callback', params: { url: '/work' }, timeout_ms: timeoutMs });
  }
  components.push({ component_name: 'Join', slot_index: 2 * width, depends: components.map((c) => c.component_name), handler: 'builtin.noop' });
  return compileFlow({ flow: name, version: 1, modules: [{ module_name: 'Work', status: 'working', next_status: 'done', components }] });
}
