import type { FastifyInstance, FastifyReply } from 'fastify';
import path from 'node:path';
import { SlotflowError } from '../core/errors.ts';
import { resolveTaskId, TaskIdError } from '../runtime/task-ids.ts';
import { TaskStateError } from '../runtime/engine.ts';
import { PRODUCT_ERROR_STATUS, ProductImagesRefusedError } from '../product/errors.ts';
import { createOutput, createProduct, outputFile, outputView, type ProductDeps, productView, retryOutput } from '../product/service.ts';
import { isPresenterOutput, presenterOutputView } from '../presenter/service.ts';
import { CONTENT_TYPES, sendError, sendFile } from './replies.ts';

/**
 * Product creative's routes (docs/products.md): `POST /v1/products`, `GET /v1/products/:id`,
 * `POST /v1/products/:id/outputs`, `GET /v1/outputs/:id` (+ `/video`, `/bundle`), `POST /v1/outputs/:id/retry`.
 * Bodies are checked against their contract by the service; every refusal carries the JSON `pointer` of what
 * is wrong where there is one. Ids take a unique prefix of at least 8 characters, as task ids do.
 */

const KEY_HEADER = { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 255 } } } as const;

/** A SlotflowError as the API tells it: its status, its code, and the fields that locate it. */
function refuse(reply: FastifyReply, e: unknown, missing: 'unknown-product' | 'unknown-output'): FastifyReply {
  if (e instanceof TaskIdError) {
    const code = e.code === 'unknown-task' ? missing : e.code;
    return sendError(reply, e.code === 'unknown-task' ? 404 : 400, code, e.message.replace(/\btask\b/, missing === 'unknown-product' ? 'product' : 'output'));
  }
  if (!(e instanceof SlotflowError)) throw e;
  const details: Record<string, unknown> = {};
  const located = e as SlotflowError & { pointer?: string; details?: Record<string, unknown>; modes?: readonly string[]; task?: string };
  if (typeof located.pointer === 'string') details.pointer = located.pointer;
  if (e instanceof ProductImagesRefusedError) details.refusals = e.refusals;
  if (located.modes) details.modes = located.modes;
  if (located.details) Object.assign(details, located.details);
  if (typeof located.task === 'string') details.task = located.task;
  const status = e instanceof TaskStateError ? (e.code === 'unknown-scene' ? 404 : 409) : (PRODUCT_ERROR_STATUS[e.code] ?? 400);
  return sendError(reply, status, e.code, e.message, details);
}

/** Without a snapshot store and an asset store (a server built for a test of something else), each route answers 503. */
export function registerProductRoutes(app: FastifyInstance, given: ProductDeps | undefined): void {
  void app.register(async (scope) => {
    scope.addHook('preHandler', async (_req, reply) => {
      if (!given) return sendError(reply, 503, 'no-product-store', 'this server keeps no snapshots or assets, so it serves no products');
    });
    productRoutes(scope, given!);
  });
}

function productRoutes(app: FastifyInstance, deps: ProductDeps): void {
  const full = (id: string) => resolveTaskId(deps.reads, id);

  app.post<{ Body: unknown; Headers: { 'idempotency-key'?: string } }>('/v1/products', { schema: { headers: KEY_HEADER } }, async (req, reply) => {
    try {
      const created = await createProduct(deps, req.body, req.headers['idempotency-key'] ?? null);
      return reply.code(202).header('location', `/v1/products/${created.id}`).send(created);
    } catch (e) {
      return refuse(reply, e, 'unknown-product');
    }
  });

  app.get<{ Params: { id: string } }>('/v1/products/:id', async (req, reply) => {
    try {
      return await productView(deps, await full(req.params.id));
    } catch (e) {
      return refuse(reply, e, 'unknown-product');
    }
  });

  app.post<{ Params: { id: string }; Body: unknown; Headers: { 'idempotency-key'?: string } }>(
    '/v1/products/:id/outputs', { schema: { headers: KEY_HEADER } },
    async (req, reply) => {
      try {
        const created = await createOutput(deps, await full(req.params.id), req.body, req.headers['idempotency-key'] ?? null);
        return reply.code(202).header('location', `/v1/outputs/${created.id}`).send(created);
      } catch (e) {
        return refuse(reply, e, 'unknown-product');
      }
    },
  );

  app.get<{ Params: { id: string } }>('/v1/outputs/:id', async (req, reply) => {
    try {
      const id = await full(req.params.id);
      // A presenter's output is served here too: the same route, its own view (src/presenter/service.ts).
      return await (await isPresenterOutput(deps, id) ? presenterOutputView(deps, id) : outputView(deps, id));
    } catch (e) {
      return refuse(reply, e, 'unknown-output');
    }
  });

  for (const kind of ['video', 'bundle'] as const) {
    app.get<{ Params: { id: string } }>(`/v1/outputs/:id/${kind}`, async (req, reply) => {
      let file: string | undefined;
      try {
        file = await outputFile(deps, await full(req.params.id), kind);
      } catch (e) {
        return refuse(reply, e, 'unknown-output');
      }
      if (!file) return sendError(reply, 404, `no-${kind}`, `output ${req.params.id} has no finished ${kind}`);
      return sendFile(req, reply, file, CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', deps.assets);
    });
  }

  app.post<{ Params: { id: string }; Body: unknown }>('/v1/outputs/:id/retry', async (req, reply) => {
    try {
      return reply.code(202).send(await retryOutput(deps, await full(req.params.id), req.body));
    } catch (e) {
      return refuse(reply, e, 'unknown-output');
    }
  });
}
