import type { FastifyInstance, FastifyReply } from 'fastify';
import { SlotflowError } from '../core/errors.ts';
import { resolveTaskId, TaskIdError } from '../runtime/task-ids.ts';
import { TaskStateError } from '../runtime/engine.ts';
import { PRODUCT_ERROR_STATUS } from '../product/errors.ts';
import { PRESENTER_ERROR_STATUS, PresenterPhotosRefusedError } from '../presenter/errors.ts';
import {
  approveOutput, createPresenter, createPresenterOutput, DEFAULT_PRESENTER_LIST, listPresenters, MAX_PRESENTER_LIST, type PresenterDeps, presenterView,
} from '../presenter/service.ts';
import { sendError } from './replies.ts';

/**
 * Presenter videos' routes (docs/presenters.md): `POST /v1/presenters`, `GET /v1/presenters`, `GET /v1/presenters/:id`,
 * `POST /v1/presenters/:id/outputs`, `POST /v1/outputs/:id/approvals/:stage`. A presenter output is viewed,
 * downloaded and retried on the output routes product creative registers (`GET /v1/outputs/:id`, `/video`,
 * `POST /v1/outputs/:id/retry`). Ids take a unique prefix of at least 8 characters.
 */

const KEY_HEADER = { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 255 } } } as const;

function refuse(reply: FastifyReply, e: unknown, missing: 'unknown-presenter' | 'unknown-output'): FastifyReply {
  if (e instanceof TaskIdError) {
    const code = e.code === 'unknown-task' ? missing : e.code;
    return sendError(reply, e.code === 'unknown-task' ? 404 : 400, code, e.message.replace(/\btask\b/, missing === 'unknown-presenter' ? 'presenter' : 'output'));
  }
  if (!(e instanceof SlotflowError)) throw e;
  const details: Record<string, unknown> = {};
  const located = e as SlotflowError & { pointer?: string; details?: Record<string, unknown>; stage?: string };
  if (typeof located.pointer === 'string') details.pointer = located.pointer;
  if (e instanceof PresenterPhotosRefusedError) details.refusals = e.refusals;
  if (located.details) Object.assign(details, located.details);
  if (typeof located.stage === 'string') details.stage = located.stage.slice(0, 40);
  const status = e instanceof TaskStateError && e.code !== 'not-waiting'
    ? (e.code === 'unknown-scene' ? 404 : 409)
    : (PRESENTER_ERROR_STATUS[e.code] ?? PRODUCT_ERROR_STATUS[e.code] ?? 400);
  return sendError(reply, status, e.code, e.message, details);
}

/** Without a snapshot store and an asset store, each route answers 503 (as the product routes do). */
export function registerPresenterRoutes(app: FastifyInstance, given: PresenterDeps | undefined): void {
  void app.register(async (scope) => {
    scope.addHook('preHandler', async (_req, reply) => {
      if (!given) return sendError(reply, 503, 'no-product-store', 'this server keeps no snapshots or assets, so it serves no presenters');
    });
    presenterRoutes(scope, given!);
  });
}

function presenterRoutes(app: FastifyInstance, deps: PresenterDeps): void {
  const full = (id: string) => resolveTaskId(deps.reads, id);

  app.post<{ Body: unknown; Headers: { 'idempotency-key'?: string } }>('/v1/presenters', { schema: { headers: KEY_HEADER } }, async (req, reply) => {
    try {
      const created = await createPresenter(deps, req.body, req.headers['idempotency-key'] ?? null);
      return reply.code(202).header('location', `/v1/presenters/${created.id}`).send(created);
    } catch (e) {
      return refuse(reply, e, 'unknown-presenter');
    }
  });

  app.get<{ Querystring: { limit?: number } }>('/v1/presenters', {
    schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_PRESENTER_LIST } }, additionalProperties: false } },
  }, async (req) => ({ presenters: await listPresenters(deps, req.query.limit ?? DEFAULT_PRESENTER_LIST) }));

  app.get<{ Params: { id: string } }>('/v1/presenters/:id', async (req, reply) => {
    try {
      return await presenterView(deps, await full(req.params.id));
    } catch (e) {
      return refuse(reply, e, 'unknown-presenter');
    }
  });

  app.post<{ Params: { id: string }; Body: unknown; Headers: { 'idempotency-key'?: string } }>(
    '/v1/presenters/:id/outputs', { schema: { headers: KEY_HEADER } },
    async (req, reply) => {
      try {
        const created = await createPresenterOutput(deps, await full(req.params.id), req.body, req.headers['idempotency-key'] ?? null);
        return reply.code(202).header('location', `/v1/outputs/${created.id}`).send(created);
      } catch (e) {
        return refuse(reply, e, 'unknown-presenter');
      }
    },
  );

  app.post<{ Params: { id: string; stage: string }; Body: unknown }>('/v1/outputs/:id/approvals/:stage', async (req, reply) => {
    try {
      return reply.code(202).send(await approveOutput(deps, await full(req.params.id), req.params.stage, req.body));
    } catch (e) {
      return refuse(reply, e, 'unknown-output');
    }
  });
}
