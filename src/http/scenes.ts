import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AssetStore } from '../adapters/asset-store.ts';
import type { FlowLookup } from '../core/ports/flow-versions.ts';
import type { TaskReadModel } from '../core/ports/read-model.ts';
import type { TaskControl, TakeResult } from '../runtime/engine.ts';
import { sceneFile } from '../runtime/scene-view.ts';
import { describedOutputs, type TaskViewSource } from '../runtime/task-view.ts';
import { CONTENT_TYPES, sendError, sendFile } from './replies.ts';

/**
 * The editor's review routes (docs/http-api.md): a new take of a scene, the
 * choice of a take, the files of takes and of the visuals a take may use,
 * the task's cover, and uploads (a visual of the editor's own). Scenes and
 * takes are numbered from 1.
 */

/** Uploads: an image for a scene, or audio (a voice sample). */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
export const MAX_NARRATION_CHARS = 2000;

/** The media types an upload may have, each with the bytes its files start with and the extension it is stored under. */
const UPLOAD_TYPES: Record<string, { ext: string; magic: (b: Buffer) => boolean }> = {
  'image/png': { ext: '.png', magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  'image/jpeg': { ext: '.jpg', magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  'image/webp': { ext: '.webp', magic: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP' },
  'audio/wav': { ext: '.wav', magic: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE' },
  // A saved product page (product creative): markup, whatever it declares first.
  'text/html': { ext: '.html', magic: (b) => /^(\ufeff)?\s*</.test(b.toString('utf8', 0, 64)) },
  'audio/mpeg': { ext: '.mp3', magic: (b) => b.toString('latin1', 0, 3) === 'ID3' || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0) },
  'audio/ogg': { ext: '.ogg', magic: (b) => b.toString('latin1', 0, 4) === 'OggS' },
};

export interface SceneRouteDeps {
  engine: Pick<TaskControl, 'regenerateScene' | 'chooseTake'>;
  reads: TaskReadModel;
  flows: FlowLookup;
  views: TaskViewSource;
  assets: AssetStore | undefined;
}

interface RegenerateBody {
  narration?: string;
  terms?: string[];
  visual?: string;
}

const regenerateSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    narration: { type: 'string', minLength: 1, maxLength: MAX_NARRATION_CHARS, pattern: '\\S' },
    terms: { type: 'array', minItems: 1, maxItems: 8, items: { type: 'string', minLength: 1, maxLength: 60, pattern: '\\S' } },
    visual: { type: 'string', pattern: '^(asset:[0-9a-f]{64}\\.[a-z0-9]{1,5}|candidate:[1-9][0-9]{0,2})$' },
  },
} as const;

/** A scene or take number from a path: from 1; anything else names nothing. */
function ordinal(param: string): number | undefined {
  return /^[1-9][0-9]{0,3}$/.test(param) ? Number(param) : undefined;
}

function taken(reply: FastifyReply, taskId: string, result: TakeResult): FastifyReply {
  return reply.code(202).send({ id: taskId, status: 'running', scene: result.scene + 1, take: result.take, take_task_id: result.taskId });
}

export function registerSceneRoutes(app: FastifyInstance, deps: SceneRouteDeps): void {
  const { engine, reads, flows } = deps;

  app.post<{ Params: { id: string; n: string }; Body: RegenerateBody | undefined }>(
    '/v1/tasks/:id/scenes/:n/regenerate',
    { schema: { body: regenerateSchema } },
    async (req, reply) => {
      const n = ordinal(req.params.n);
      if (n === undefined) return sendError(reply, 404, 'unknown-scene', 'scenes are numbered from 1');
      const body = req.body ?? {};
      const edits = {
        ...(body.narration !== undefined ? { narration: body.narration.trim() } : {}),
        ...(body.terms ? { terms: body.terms.map((t) => t.trim()) } : {}),
        ...(body.visual ? { visual: body.visual } : {}),
      };
      if (edits.visual?.startsWith('asset:') && !deps.assets?.pathOf(edits.visual.slice('asset:'.length))) {
        return sendError(reply, 400, 'unknown-visual', 'no uploaded asset by that name: upload it with POST /v1/assets first');
      }
      return taken(reply, req.params.id, await engine.regenerateScene(req.params.id, n - 1, edits));
    },
  );

  app.post<{ Params: { id: string; n: string }; Body: { take: number } }>(
    '/v1/tasks/:id/scenes/:n/choose',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['take'], properties: { take: { type: 'integer', minimum: 1 } } } } },
    async (req, reply) => {
      const n = ordinal(req.params.n);
      if (n === undefined) return sendError(reply, 404, 'unknown-scene', 'scenes are numbered from 1');
      return taken(reply, req.params.id, await engine.chooseTake(req.params.id, n - 1, req.body.take));
    },
  );

  for (const file of ['video', 'thumbnail'] as const) {
    app.get<{ Params: { id: string; n: string; k: string } }>(`/v1/tasks/:id/scenes/:n/takes/:k/${file}`, async (req, reply) => {
      const [n, k] = [ordinal(req.params.n), ordinal(req.params.k)];
      const found = n !== undefined && k !== undefined ? await sceneFile(reads, flows, req.params.id, n, { take: k, file }) : undefined;
      if (!found) return sendError(reply, 404, 'not-found', `no ${file} of that take (yet)`);
      return sendFile(req, reply, found, CONTENT_TYPES[path.extname(found)] ?? 'application/octet-stream', deps.assets);
    });
  }

  app.get<{ Params: { id: string; n: string; k: string } }>('/v1/tasks/:id/scenes/:n/candidates/:k', async (req, reply) => {
    const [n, k] = [ordinal(req.params.n), ordinal(req.params.k)];
    const found = n !== undefined && k !== undefined ? await sceneFile(reads, flows, req.params.id, n, { candidate: k }) : undefined;
    if (!found) return sendError(reply, 404, 'not-found', 'no such candidate');
    // The path is the one the scene's own record names: found material may live in the media library.
    return sendFile(req, reply, found, CONTENT_TYPES[path.extname(found).toLowerCase()] ?? 'application/octet-stream', deps.assets, true);
  });

  app.get<{ Params: { id: string } }>('/v1/tasks/:id/cover', async (req, reply) => {
    const cover = (await describedOutputs(deps.views, req.params.id))?.files.cover;
    if (!cover) return sendError(reply, 404, 'no-cover', `task ${req.params.id} has no cover (it has not finished, or its flow makes none)`);
    return sendFile(req, reply, cover, CONTENT_TYPES[path.extname(cover)] ?? 'image/jpeg', deps.assets);
  });

  // Raw bodies only here: the other routes keep refusing what is not JSON.
  void app.register(async (scope) => {
    scope.addContentTypeParser(/^(image|audio)\/[a-z0-9.+-]+$|^text\/html\b/, { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_req, body, done) => done(null, body));
    scope.post<{ Body: Buffer }>('/v1/assets', async (req, reply) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const kind = UPLOAD_TYPES[type === 'audio/x-wav' || type === 'audio/wave' ? 'audio/wav' : type === 'image/jpg' ? 'image/jpeg' : type];
      if (!kind) return sendError(reply, 415, 'unsupported-media-type', `uploads are ${Object.keys(UPLOAD_TYPES).join(', ')}`);
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) return sendError(reply, 400, 'invalid-body', 'the upload is empty');
      if (!kind.magic(req.body)) return sendError(reply, 400, 'invalid-body', `the body is not a ${type} file`);
      if (!deps.assets) return sendError(reply, 503, 'no-asset-store', 'this server keeps no assets');
      const stored = await deps.assets.putBytes(req.body, kind.ext);
      const name = path.basename(stored.path);
      return reply.code(201).send({ id: name, url: `asset:${name}`, bytes: stored.bytes });
    });
  });
}
