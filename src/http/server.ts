import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { UnknownComponentError } from '../core/word.ts';
import { type CallbackClaims, TokenProblem, verifyToken } from '../runtime/callback-token.ts';
import { type Engine, type MutateResult, TaskStateError } from '../runtime/engine.ts';
import { RejectReason } from '../core/engine/transitions.ts';
import { taskView } from '../runtime/task-view.ts';
import type { EngineServices } from '../runtime/services.ts';

/**
 * The HTTP API (SPEC §3). This part: the callback route external
 * services answer on, the task control routes, the task view and liveness.
 * Errors are `{ error: { code, message } }`.
 *
 * Bearer auth covers every /v1 route except `/v1/callbacks/:token`: an
 * external service holds no API token, and its signed callback token is its
 * credential.
 */

export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_TOKEN_LENGTH = 2048;

export interface ServerDeps {
  engine: Engine;
  services: EngineServices;
  apiToken?: string | undefined;
}

const answerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: {
    status: { enum: ['succeeded', 'failed'] },
    output: {},
    error: {
      anyOf: [
        { type: 'string', maxLength: 4000 },
        { type: 'object', properties: { message: { type: 'string' }, code: { type: 'string' }, retryable: { type: 'boolean' } } },
      ],
    },
  },
} as const;

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** How a refused answer is told to the caller. */
const REJECTION_STATUS: Record<string, number> = {
  [RejectReason.unknownTask]: 404,
  [RejectReason.unknownComponent]: 404,
  [RejectReason.cancelled]: 409,
  [RejectReason.stale]: 409,
  [RejectReason.duplicate]: 409,
};

const TOKEN_STATUS: Record<TokenProblem, number> = {
  [TokenProblem.malformed]: 401,
  [TokenProblem.forged]: 401,
  [TokenProblem.expired]: 410,
};

function tokensMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const { engine, services } = deps;
  // Callback tokens travel in the path and are longer than fastify's default 100-character parameter.
  const app = Fastify({ logger: false, bodyLimit: MAX_BODY_BYTES, routerOptions: { maxParamLength: MAX_TOKEN_LENGTH } });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, _req, reply) => {
    if (err.validation) return sendError(reply, 400, 'invalid-body', err.message);
    if (err instanceof TaskStateError) return sendError(reply, err.code === 'unknown-task' ? 404 : 409, err.code, err.message);
    if (err instanceof UnknownComponentError) return sendError(reply, 404, 'unknown-component', err.message);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const code = status === 413 ? 'body-too-large' : status === 415 ? 'unsupported-media-type' : status === 400 ? 'invalid-body' : 'internal';
    return sendError(reply, status, code, status === 500 ? 'internal error' : err.message);
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!deps.apiToken || !req.url.startsWith('/v1/') || req.url.startsWith('/v1/callbacks/')) return;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!tokensMatch(given, deps.apiToken)) return sendError(reply, 401, 'unauthorized', 'missing or wrong bearer token');
  });

  app.get('/healthz', async () => ({ ok: true }));

  app.post<{ Params: { token: string }; Body: { status: 'succeeded' | 'failed'; output?: unknown; error?: string | { message?: string; code?: string; retryable?: boolean } } }>(
    '/v1/callbacks/:token',
    { schema: { body: answerSchema } },
    async (req, reply) => {
      const claims = verifyToken(req.params.token, services.callbackSecret);
      if ('problem' in claims) return sendError(reply, TOKEN_STATUS[claims.problem], claims.problem, `callback token refused: ${claims.problem}`);
      const result = await engine.answer(toAnswer(claims, req.body));
      return replyTo(reply, result);
    },
  );

  app.get<{ Params: { id: string } }>('/v1/tasks/:id', async (req, reply) => {
    const view = await taskView(engine, req.params.id);
    return view ?? sendError(reply, 404, 'unknown-task', `no task ${req.params.id}`);
  });

  app.post<{ Params: { id: string }; Body: { from: string; scene?: number } }>(
    '/v1/tasks/:id/resume',
    { schema: { body: { type: 'object', required: ['from'], properties: { from: { type: 'string' }, scene: { type: 'integer', minimum: 0 } } } } },
    async (req, reply) => replyTo(reply, await engine.resume(req.params.id, req.body.from, req.body.scene)),
  );

  app.post<{ Params: { id: string }; Body: { component: string; approved?: boolean; reason?: string } }>(
    '/v1/tasks/:id/approve',
    {
      schema: {
        body: {
          type: 'object', required: ['component'],
          properties: { component: { type: 'string' }, approved: { type: 'boolean' }, reason: { type: 'string', maxLength: 2000 } },
        },
      },
    },
    async (req, reply) => {
      const decision = { approved: req.body.approved ?? true, ...(req.body.reason ? { reason: req.body.reason } : {}) };
      return replyTo(reply, await engine.decide(req.params.id, req.body.component, decision));
    },
  );

  app.post<{ Params: { id: string } }>('/v1/tasks/:id/cancel', async (req, reply) => {
    if (!(await engine.store.readTask(req.params.id))) return sendError(reply, 404, 'unknown-task', `no task ${req.params.id}`);
    await engine.cancel(req.params.id);
    return reply.code(202).send({ id: req.params.id, status: 'cancelled' });
  });

  return app;
}

function toAnswer(claims: CallbackClaims, body: { status: string; output?: unknown; error?: string | { message?: string; code?: string; retryable?: boolean } }) {
  const base = { taskId: claims.t, component: claims.c, attempt: claims.a };
  if (body.status === 'succeeded') return { ...base, ok: true as const, output: body.output ?? null };
  const err = typeof body.error === 'string' ? { message: body.error } : (body.error ?? {});
  return {
    ...base,
    ok: false as const,
    error: {
      name: 'ServiceFailure',
      message: err.message ?? 'the service reported a failure',
      ...(err.code ? { code: err.code } : {}),
      retryable: err.retryable ?? true,
    },
  };
}

function replyTo(reply: FastifyReply, result: MutateResult): FastifyReply {
  if (result && 'rejected' in result) {
    return sendError(reply, REJECTION_STATUS[result.rejected] ?? 409, result.rejected, `refused: ${result.rejected}`);
  }
  return reply.code(202).send(result ? { id: result.taskId, status: result.status, slot_word: result.word.toString() } : { accepted: true });
}
