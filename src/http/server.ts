import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { log } from '../log.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FlowNotFoundError, installedFlows, PACKAGE_ROOT } from '../adapters/flow-files.ts';
import { FlowValidationError } from '../core/flow/problems.ts';
import { codeOf, SlotflowError } from '../core/errors.ts';
import { isDbUnreachable } from '../adapters/mysql/retryable.ts';
import { isTerminal, TaskPhase } from '../core/engine/task.ts';
import { canonicalJson } from '../core/flow/compile.ts';
import { checkFlowTakesInput, resumeChanges, validateSubmission, type ValidSubmission } from '../pipeline/submission.ts';
import { UnknownVoiceError } from '../pipeline/voices.ts';
import { routeFlow } from '../pipeline/router.ts';
import { metrics, registry } from '../runtime/metrics.ts';
import { UnknownComponentError } from '../core/word.ts';
import { type CallbackClaims, CallbackProtocol, TokenProblem, verifyToken } from '../runtime/callback-token.ts';
import type { FlowLookup } from '../core/ports/flow-versions.ts';
import { type Engine, MISSING_CODES, type MutateResult, type TaskControl, TaskStateError, type TaskSubmission } from '../runtime/engine.ts';
import { RejectReason } from '../core/engine/transitions.ts';
import { describedOutputs, taskView } from '../runtime/task-view.ts';
import { resolveTaskId, TaskIdError } from '../runtime/task-ids.ts';
import { InvalidStatusError, knownStatuses, listFilter, taskListItem } from '../runtime/task-list.ts';
import type { EngineServices } from '../runtime/services.ts';
import type { Settings } from '../settings.ts';
import type { SpeechProvider } from '../providers/types.ts';
import { statsView } from '../runtime/stats.ts';
import { flowDirsOf, registerMetaRoute, speechFromSettings } from './meta.ts';
import { webFiles } from './web-files.ts';
import { registerDownloadRoutes } from './downloads.ts';
import { registerSceneRoutes } from './scenes.ts';
import { CONTENT_TYPES, sendError, sendFile } from './replies.ts';
import { answerClientError, longUrlRefusal } from './client-errors.ts';
import type { AssetReads } from '../core/ports/assets.ts';
import type { OutputDescriber } from '../core/ports/outputs.ts';
import type { DispatchQueue } from '../core/ports/queue.ts';
import type { TaskReadModel } from '../core/ports/read-model.ts';
import type { Snapshots } from '../core/ports/snapshots.ts';
import { registerProductRoutes } from './products.ts';
import { registerPresenterRoutes } from './presenters.ts';
import { routeTable } from '../presenter/route-table.ts';
import { modeTable } from '../product/modes.ts';

/**
 * The HTTP API (docs/http-api.md): task submission, events, files, the callback route external
 * services answer on, the task control routes, the task view and liveness.
 * Errors are `{ error: { code, message } }`.
 *
 * Bearer auth covers every /v1 route except `/v1/callbacks/:token`: an
 * external service holds no API token, and its signed callback token is its
 * credential.
 */

export const MAX_BODY_BYTES = 1024 * 1024;
export const SSE_POLL_MS = 250;
export const SSE_BATCH = 500;
export const SSE_HEARTBEAT_MS = 15000;
export const SSE_RETRY_MS = 2000;
/** `Retry-After` of a 503 (the database or the lock servers away): a client's next try. */
export const UNAVAILABLE_RETRY_AFTER_S = 2;

const WEB_DIR = path.join(PACKAGE_ROOT, 'web');

/** Deployment-wide gauges, read when scraped. */
async function refreshGauges(reads: Pick<TaskReadModel, 'countTasksByStatus'>, queue: Pick<DispatchQueue, 'jobCounts'> | undefined): Promise<void> {
  metrics.tasks.reset();
  for (const row of await reads.countTasksByStatus()) metrics.tasks.set({ phase: row.phase, status: row.status }, row.count);
  const counts = await queue?.jobCounts?.();
  if (counts) {
    metrics.queueDepth.reset();
    for (const c of counts) metrics.queueDepth.set({ queue: c.queue, family: c.family, state: c.state }, c.count);
  }
}
export const MAX_TOKEN_LENGTH = 2048;
export const CALLBACK_ROUTE = '/v1/callbacks/:token';

export interface ServerDeps {
  /** Submits tasks, takes answers and the control requests; nothing else of the engine. */
  engine: TaskSubmission & TaskControl & Pick<Engine, 'answer'>;
  /** What the views, lists and event streams read. */
  reads: TaskReadModel & AssetReads;
  /** The flows tasks pin, for the views. */
  flows: FlowLookup;
  /** Queue depths for the metrics, when the queue can tell. */
  queue?: Pick<DispatchQueue, 'jobCounts'>;
  /** What a finished task made, as the pipeline describes it. */
  outputs: OutputDescriber;
  services: EngineServices;
  apiToken?: string | undefined;
  settings?: Settings;
  /** The speech providers whose voices `/v1/meta` lists; default: those the environment configures. */
  speech?: readonly SpeechProvider[];
  /** Job snapshots (product creative); without them (or an asset store) the product routes answer 503. */
  snapshots?: Snapshots;
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
        {
          type: 'object',
          properties: { message: { type: 'string' }, code: { type: 'string' }, retryable: { type: 'boolean' }, retry_after_ms: { type: 'integer', minimum: 0 } },
        },
      ],
    },
  },
} as const;

/**
 * A prediction as its provider posts it to a `protocol: "prediction"` callback component's webhook (Replicate's
 * shape; the provider's other fields are allowed and ignored).
 */
const predictionSchema = {
  type: 'object',
  required: ['id', 'status'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    status: { enum: ['starting', 'processing', 'succeeded', 'failed', 'canceled'] },
    output: {},
    error: {},
  },
} as const;

/** Which of the two shapes the token's protocol asks for is checked in the route: either passes the schema. */
const callbackBodySchema = { anyOf: [answerSchema, predictionSchema] } as const;

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

/** The path of a request target as a router would read it: absolute-form, percent-escapes, case and doubled slashes folded. */
function normalizedPath(target: string): string {
  let path = target;
  try {
    path = new URL(target, 'http://localhost').pathname;
  } catch {
    // keep the raw target
  }
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep it undecoded
  }
  return path.toLowerCase().replace(/\/{2,}/g, '/');
}

function tokensMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const { engine, services, reads } = deps;
  const views = { reads, flows: deps.flows, outputs: deps.outputs };
  // One list for what /v1/meta offers and what a submission or a resume may ask for.
  const speech = deps.speech ?? speechFromSettings(deps.settings, services.assets);
  // Callback tokens travel in the path and are longer than fastify's default 100-character parameter.
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    routerOptions: { maxParamLength: MAX_TOKEN_LENGTH },
    // Unknown fields are an error the client should hear about, not something to drop quietly.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Over-long request lines and headers are refused by Node's parser before fastify: still in our error shape.
    clientErrorHandler: answerClientError,
    // The router's own refusals (a path segment over maxParamLength, a malformed escape) would echo the path.
    frameworkErrors: (err, _req, reply) => {
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(reply, 414, 'uri-too-long', `a path segment is longer than ${MAX_TOKEN_LENGTH} characters`);
      if (err.code === 'FST_ERR_BAD_URL') return sendError(reply, 400, 'bad-url', 'the request path is not a valid URL path');
      return sendError(reply, 500, 'internal', 'internal error');
    },
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onRequest', async (req, reply) => {
    const refusal = longUrlRefusal(req.url);
    if (refusal) return sendError(reply, refusal.status, refusal.code, refusal.message);
  });
  // JSON bodies only: a text/plain body is refused with 415 instead of reaching a route as a string.
  app.removeContentTypeParser('text/plain');
  // The input is not echoed: an unknown path may be long or hostile.
  app.setNotFoundHandler((_req, reply) => sendError(reply, 404, 'not-found', 'no such route'));
  app.addHook('onResponse', async (req, reply) => {
    log.info('request', { request_id: req.id, method: req.method, url: req.url.replace(/\/v1\/callbacks\/[^/?]+/, '/v1/callbacks/…'), status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, _req, reply) => {
    const callback = _req.routeOptions.url === CALLBACK_ROUTE;
    if (err.validation) {
      if (callback) metrics.answersRejected.inc({ reason: 'invalid-body' });
      return sendError(reply, 400, 'invalid-body', err.message);
    }
    if (err instanceof TaskIdError) {
      return sendError(reply, err.code === 'unknown-task' ? 404 : 400, err.code, err.message, err.candidates.length > 0 ? { candidates: err.candidates } : {});
    }
    if (err instanceof TaskStateError) return sendError(reply, MISSING_CODES.has(err.code) ? 404 : 409, err.code, err.message);
    if (err instanceof UnknownComponentError) return sendError(reply, 404, 'unknown-component', err.message);
    // The request is fine; what it needs is away for now: 503, so a client tries again (never a 500 or a hang).
    if (isDbUnreachable(err) || codeOf(err) === 'lock-timeout') {
      const code = codeOf(err) === 'lock-timeout' ? 'lock-timeout' : 'database-unavailable';
      // drizzle's error repeats the whole query; the driver's underneath says what happened.
      const cause = err.cause instanceof Error ? err.cause : err;
      log.warn('request refused: a server it needs is unavailable', { request_id: _req.id, url: _req.url, code, error: cause.message });
      void reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S));
      return sendError(reply, 503, code, code === 'lock-timeout'
        ? 'the task lock could not be taken (Redis servers unavailable or the task busy); try again'
        : 'the database cannot be reached or did not answer in time; try again');
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log.error('request failed', { request_id: _req.id, url: _req.url, code: codeOf(err) ?? 'internal', error: err.stack ?? err.message });
    const code = status === 413 ? 'body-too-large' : status === 415 ? 'unsupported-media-type' : status === 400 ? 'invalid-body' : 'internal';
    if (callback && status < 500) metrics.answersRejected.inc({ reason: code });
    return sendError(reply, status, code, status === 500 ? 'internal error' : err.message);
  });

  app.addHook('onRequest', async (req, reply) => {
    // Decided on the matched route, not the raw target, which may be absolute-form or oddly spelled.
    const route = req.routeOptions.url;
    if (!deps.apiToken || route === CALLBACK_ROUTE) return;
    // No route matched: an unknown /v1 path still needs the token, so it reveals nothing.
    if (!(route ?? normalizedPath(req.url)).startsWith('/v1/')) return;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!tokensMatch(given, deps.apiToken)) return sendError(reply, 401, 'unauthorized', 'missing or wrong bearer token');
  });

  // Every /v1/tasks/:id… route takes a unique prefix of the id; its handler sees the full id.
  app.addHook('preValidation', async (req) => {
    if (!req.routeOptions.url?.startsWith('/v1/tasks/:id')) return;
    const params = req.params as { id: string };
    params.id = await resolveTaskId(reads, params.id);
  });

  app.get('/healthz', async () => ({ ok: true }));

  app.get('/v1/stats', async () => statsView(reads));

  app.post<{ Params: { token: string }; Body: CallbackBody }>(
    CALLBACK_ROUTE,
    { schema: { body: callbackBodySchema } },
    async (req, reply) => {
      const claims = verifyToken(req.params.token, services.callbackSecret, await services.clock.now());
      if ('problem' in claims) metrics.answersRejected.inc({ reason: claims.problem });
      if ('problem' in claims) return sendError(reply, TOKEN_STATUS[claims.problem], claims.problem, `callback token refused: ${claims.problem}`);
      if (claims.p === CallbackProtocol.prediction) return answerPrediction(reply, claims, req.body);
      if ('id' in req.body || !ANSWER_STATUSES.has(req.body.status)) {
        metrics.answersRejected.inc({ reason: 'invalid-body' });
        return sendError(reply, 400, 'invalid-body', 'body must be { status: "succeeded" | "failed", output?, error? }');
      }
      return replyTo(reply, await engine.answer(toAnswer(claims, req.body as ServiceAnswer)));
    },
  );

  /**
   * A prediction webhook: `starting` and `processing` are acknowledged (202) and change nothing; `succeeded`,
   * `failed` and `canceled` settle the attempt. A repeat of the settling webhook (providers deliver at least once)
   * is refused by the engine as a duplicate and acknowledged with 200, since a provider retries any other status.
   */
  async function answerPrediction(reply: FastifyReply, claims: CallbackClaims, body: CallbackBody): Promise<FastifyReply> {
    if (!('id' in body) || typeof body.id !== 'string') {
      metrics.answersRejected.inc({ reason: 'invalid-body' });
      return sendError(reply, 400, 'invalid-body', 'body must be a prediction { id, status, output?, error? }');
    }
    if (body.status === 'starting' || body.status === 'processing') return reply.code(202).send({ accepted: true, status: body.status });
    const result = await engine.answer(predictionAnswer(claims, body as PredictionWebhook));
    if (result && 'rejected' in result && result.rejected === RejectReason.duplicate) {
      metrics.answersRejected.inc({ reason: RejectReason.duplicate });
      return reply.code(200).send({ accepted: false, duplicate: true });
    }
    return replyTo(reply, result);
  }

  app.get<{ Params: { id: string } }>('/v1/tasks/:id', async (req, reply) => {
    const view = await taskView(views, req.params.id);
    return view ?? sendError(reply, 404, 'unknown-task', `no task ${req.params.id}`);
  });

  // `scene` counts from 1, as everywhere outside; the engine counts from 0.
  app.post<{ Params: { id: string }; Body: { from: string; scene?: number; options?: unknown } }>(
    '/v1/tasks/:id/resume',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['from'], properties: { from: { type: 'string', maxLength: 100 }, scene: {}, options: {} } } } },
    async (req, reply) => {
      const { from, scene, options } = req.body;
      if (scene !== undefined && !(Number.isInteger(scene) && scene >= 1)) return sendError(reply, 400, 'invalid-option', 'scene must be a scene number from 1');
      const sceneIndex = scene === undefined ? undefined : scene - 1;
      let changes;
      try {
        const task = await reads.getTask(req.params.id);
        const resumed = task && { flow: await deps.flows.byHashOrThrow(task.flowHash), from };
        changes = await resumeChanges(task?.input, options, { speech, scene: sceneIndex, resumed });
      } catch (e) {
        if (e instanceof SlotflowError) return sendError(reply, 400, e.code, e.message, e instanceof UnknownVoiceError ? { voices: e.available } : {});
        throw e;
      }
      return replyTo(reply, await engine.resume(req.params.id, from, sceneIndex, changes));
    },
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
    if (!(await reads.readTask(req.params.id))) return sendError(reply, 404, 'unknown-task', `no task ${req.params.id}`);
    await engine.cancel(req.params.id);
    // A task that had already ended is left as it was; saying "cancelled" would not be true.
    const snap = await reads.readTask(req.params.id);
    if (snap && snap.phase !== TaskPhase.cancelled) {
      return sendError(reply, 409, 'not-cancellable', `task ${req.params.id} has already ended (${snap.phase})`, { phase: snap.phase, status: snap.status });
    }
    return reply.code(202).send({ id: req.params.id, status: 'cancelled' });
  });

  app.get('/metrics', async (_req, reply) => {
    await refreshGauges(reads, deps.queue);
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });

  for (const { route, file, type } of webFiles(WEB_DIR)) {
    app.get(route, async (_req, reply) => reply.header('content-type', type).header('cache-control', 'no-cache').send(await readFile(file)));
  }
  registerDownloadRoutes(app, { views, assets: services.assets });
  registerMetaRoute(app, { resolveFlow: services.resolveFlow, flowDirs: flowDirsOf(deps.settings?.flowsDir), speech });

  app.post<{ Body: unknown; Headers: { 'idempotency-key'?: string } }>(
    '/v1/tasks',
    { schema: { headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 255 } } } } },
    async (req, reply) => {
      let valid: ValidSubmission;
      try {
        valid = await validateSubmission(req.body, { speech });
      } catch (e) {
        if (e instanceof SlotflowError) return sendError(reply, 400, e.code, e.message, e instanceof UnknownVoiceError ? { voices: e.available } : {});
        throw e;
      }
      const input = valid.input;
      let flow;
      try {
        flow = services.resolveFlow(routeFlow({ ...(valid.flow ? { flow: valid.flow } : {}), input }));
      } catch (e) {
        if (e instanceof FlowNotFoundError || e instanceof FlowValidationError) return sendError(reply, 400, 'unknown-flow', e.message);
        throw e;
      }
      try {
        checkFlowTakesInput(flow, input);
      } catch (e) {
        if (e instanceof SlotflowError) return sendError(reply, 400, e.code, e.message);
        throw e;
      }
      const callbackUrl = valid.callbackUrl;
      const created = await engine.submit({ flow, input, idempotencyKey: req.headers['idempotency-key'] ?? null, callbackUrl, title: valid.title });
      if (!created.created) {
        // The key names an earlier task: the same request gets that task again, a different one is refused.
        const earlier = await reads.getTask(created.id);
        if (!earlier || earlier.flowHash !== flow.hash || earlier.callbackUrl !== callbackUrl || earlier.title !== valid.title || canonicalJson(earlier.input) !== canonicalJson(input)) {
          return sendError(reply, 422, 'idempotency-key-reused', 'this Idempotency-Key was used for a different request', { task: created.id });
        }
      }
      const snap = await reads.readTask(created.id);
      return reply.code(202).header('location', `/v1/tasks/${created.id}`).send({ id: created.id, status: snap?.status ?? 'queued' });
    },
  );

  app.get<{ Querystring: { status?: string; all?: boolean; limit?: number } }>(
    '/v1/tasks',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { status: { type: 'string', maxLength: 64 }, all: { type: 'boolean' }, limit: { type: 'integer', minimum: 1, maximum: 200 } },
        },
      },
    },
    async (req, reply) => {
      let filter;
      try {
        filter = await listFilter({ status: req.query.status, all: req.query.all, limit: req.query.limit ?? 20 },
          () => knownStatuses(installedFlows(process.cwd(), deps.settings?.flowsDir), reads));
      } catch (e) {
        if (e instanceof InvalidStatusError) return sendError(reply, 400, e.code, e.message, { statuses: e.known });
        throw e;
      }
      return { tasks: (await reads.listTasks(filter)).map(taskListItem) };
    },
  );

  app.get<{ Params: { id: string }; Headers: { 'last-event-id'?: string }; Querystring: { after?: number } }>(
    '/v1/tasks/:id/events',
    { schema: { querystring: { type: 'object', properties: { after: { type: 'integer', minimum: 0 } } } } },
    async (req, reply) => {
      const id = req.params.id;
      if (!(await reads.readTask(id))) return sendError(reply, 404, 'unknown-task', `no task ${id}`);
      const header = req.headers['last-event-id'];
      let after = header !== undefined && /^\d+$/.test(header) ? Number(header) : (req.query.after ?? 0);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`retry: ${SSE_RETRY_MS}\n\n`);
      let open = true;
      req.raw.on('close', () => (open = false));
      let lastBeat = Date.now();
      while (open) {
        const snap = await reads.readTask(id);
        // Every take of every scene: a new take's events come from a child of its own. Scenes count from 1.
        const children = await reads.listTakes(id);
        const scenes = new Map(children.map((c) => [c.id, c.sceneIndex === null ? null : c.sceneIndex + 1]));
        const takes = new Map(children.map((c) => [c.id, c.take]));
        const events = await reads.listEventsOf([id, ...scenes.keys()], after, SSE_BATCH);
        for (const e of events) {
          const scene = scenes.get(e.taskId) ?? null;
          // A scene's own lifecycle is progress of the task, not the task's lifecycle.
          const type = scene !== null && e.type !== 'progress' && !e.type.startsWith('component.') ? 'progress' : e.type;
          const data = { id: e.id, task_id: e.taskId, type: scene !== null ? e.type : type, slot_word: e.slotWord, component: e.component, attempt: e.attempt, scene, ...(scene !== null ? { take: takes.get(e.taskId) } : {}), data: e.data, created_at: e.createdAt.toISOString() };
          res.write(`id: ${e.id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
          after = e.id;
        }
        if (events.length === SSE_BATCH) continue;
        if (snap && isTerminal(snap.phase) && children.every((c) => isTerminal(c.phase) || snap.phase === 'cancelled')) break;
        if (Date.now() - lastBeat > SSE_HEARTBEAT_MS) {
          res.write(': keep-alive\n\n');
          lastBeat = Date.now();
        }
        await new Promise((r) => setTimeout(r, SSE_POLL_MS));
      }
      res.end();
    },
  );

  app.get<{ Params: { id: string } }>('/v1/tasks/:id/video', async (req, reply) => {
    const file = (await describedOutputs(views, req.params.id))?.download;
    if (!file) return sendError(reply, 404, 'no-video', `task ${req.params.id} has no finished video`);
    return sendFile(req, reply, file.path, file.contentType, services.assets);
  });

  app.get<{ Params: { id: string } }>('/v1/assets/:id', async (req, reply) => {
    const id = /^\d{1,15}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const asset = Number.isFinite(id) ? await reads.getAsset(id) : undefined;
    if (!asset) return sendError(reply, 404, 'unknown-asset', `no asset ${req.params.id}`);
    return sendFile(req, reply, asset.path, CONTENT_TYPES[path.extname(asset.path)] ?? 'application/octet-stream', services.assets);
  });

  registerSceneRoutes(app, { engine, reads, flows: deps.flows, views, assets: services.assets });
  registerProductRoutes(app, deps.snapshots && services.assets ? {
    engine, reads, snapshots: deps.snapshots, flows: deps.flows, assets: services.assets, resolveFlow: services.resolveFlow,
    modes: () => modeTable(process.cwd(), deps.settings?.flowsDir),
  } : undefined);
  registerPresenterRoutes(app, deps.snapshots && services.assets ? {
    engine, reads, snapshots: deps.snapshots, flows: deps.flows, assets: services.assets, resolveFlow: services.resolveFlow,
    modes: () => modeTable(process.cwd(), deps.settings?.flowsDir), routes: () => routeTable(process.cwd(), deps.settings?.flowsDir),
  } : undefined);

  return app;
}

/** A failure as an external service reports it on its callback. */
interface ServiceError {
  message?: string;
  code?: string;
  retryable?: boolean;
  retry_after_ms?: number;
}

interface ServiceAnswer {
  status: 'succeeded' | 'failed';
  output?: unknown;
  error?: string | ServiceError;
}

interface PredictionWebhook {
  id: string;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  output?: unknown;
  error?: unknown;
}

type CallbackBody = ServiceAnswer | PredictionWebhook;

const ANSWER_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed']);

/**
 * A settled prediction as the attempt's answer: its output `{ prediction_id, output }`, or a failure carrying the
 * provider's message. A failure is retryable, so the component's `retry` decides whether the model is asked again.
 */
function predictionAnswer(claims: CallbackClaims, body: PredictionWebhook) {
  const base = { taskId: claims.t, component: claims.c, attempt: claims.a };
  if (body.status === 'succeeded') return { ...base, ok: true as const, output: { prediction_id: body.id, output: body.output ?? null } };
  const said = typeof body.error === 'string' ? body.error : (body.error as { message?: unknown } | null | undefined)?.message;
  const message = typeof said === 'string' && said !== '' ? said.slice(0, 2000) : body.status === 'canceled' ? 'the prediction was canceled' : 'the prediction failed';
  return { ...base, ok: false as const, error: { name: 'PredictionFailure', message: `prediction ${body.id} ${body.status}: ${message}`, code: 'prediction-failed', retryable: true } };
}

function toAnswer(claims: CallbackClaims, body: ServiceAnswer) {
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
      ...(err.retry_after_ms ? { retryAfterMs: err.retry_after_ms } : {}),
    },
  };
}

function replyTo(reply: FastifyReply, result: MutateResult): FastifyReply {
  if (result && 'rejected' in result) {
    return sendError(reply, REJECTION_STATUS[result.rejected] ?? 409, result.rejected, `refused: ${result.rejected}`);
  }
  return reply.code(202).send(result ? { id: result.taskId, status: result.status, slot_word: result.word.toString() } : { accepted: true });
}
