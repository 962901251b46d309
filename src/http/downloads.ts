import type { FastifyInstance } from 'fastify';
import type { AssetStore } from '../adapters/asset-store.ts';
import { describedOutputs, type TaskViewSource } from '../runtime/task-view.ts';
import { sendError, sendFile } from './replies.ts';

/**
 * `GET /v1/tasks/:id/subtitles`: the subtitles of a finished task's video
 * (the `.srt` its last component lists beside the MP4), as an attachment
 * named after the task, so the page's download link saves a file instead of
 * showing text.
 */

export const SUBTITLES_ROUTE = '/v1/tasks/:id/subtitles';
const SUBTITLES_TYPE = 'application/x-subrip; charset=utf-8';
/** Long enough for a readable title, short enough for any file system. */
const MAX_NAME_CHARS = 80;

export interface DownloadDeps {
  views: TaskViewSource;
  assets: AssetStore | undefined;
}

/** A file name from a title: lower-case letters, digits and dashes; the id when nothing usable is left. */
export function downloadName(title: string | null | undefined, id: string, ext: string): string {
  const base = (title ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_NAME_CHARS)
    .replace(/-+$/, '');
  return `${base || id}${ext}`;
}

export function registerDownloadRoutes(app: FastifyInstance, deps: DownloadDeps): void {
  app.get<{ Params: { id: string } }>(SUBTITLES_ROUTE, async (req, reply) => {
    const id = req.params.id;
    const task = await deps.views.reads.getTask(id);
    if (!task) return sendError(reply, 404, 'unknown-task', `no task ${id}`);
    const file = (await describedOutputs(deps.views, id))?.files.subtitles;
    if (!file) return sendError(reply, 404, 'no-subtitles', `task ${id} has no finished subtitles`);
    reply.header('content-disposition', `attachment; filename="${downloadName(task.title, id, '.srt')}"`);
    return sendFile(req, reply, file, SUBTITLES_TYPE, deps.assets);
  });
}
