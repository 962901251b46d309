import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AssetStore } from '../adapters/asset-store.ts';

/** How routes answer: errors in one shape, files from the asset store with Range support. */

export const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.mov': 'video/quicktime', '.webm': 'video/webm', '.wav': 'audio/wav', '.m4a': 'audio/mp4', '.srt': 'application/x-subrip', '.zip': 'application/zip', '.json': 'application/json',
};

export function sendError(reply: FastifyReply, status: number, code: string, message: string, details: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ error: { code, message, ...details } });
}

/** Sends a file from the asset store with HTTP Range support; a path outside the store is never served. */
/**
 * `trusted`: the path comes from the task's own records, not from the request (a scene's candidate visual, which
 * may live in the media library outside the store); any other path is served only from inside the asset store.
 */
export async function sendFile(
  req: FastifyRequest, reply: FastifyReply, file: string, type: string, assets: AssetStore | undefined, trusted = false,
): Promise<FastifyReply> {
  if (!trusted && !assets?.contains(file)) return sendError(reply, 404, 'not-found', 'no such file');
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return sendError(reply, 404, 'not-found', 'the file is gone (collected?)');
  }
  reply.header('accept-ranges', 'bytes');
  const range = req.headers.range;
  if (!range) return reply.header('content-type', type).header('content-length', size).send(createReadStream(file));
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  // A Range header that does not parse is ignored, as HTTP allows: the whole file.
  if (!m || (!m[1] && !m[2])) return reply.header('content-type', type).header('content-length', size).send(createReadStream(file));
  let start = m?.[1] ? Number(m[1]) : NaN;
  let end = m?.[2] ? Number(m[2]) : NaN;
  if (m && !m[1] && m[2]) {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else if (m && m[1] && !m[2]) end = size - 1;
  if (!m || !Number.isFinite(start) || !Number.isFinite(end) || start > end || start >= size) {
    return sendError(reply.header('content-range', `bytes */${size}`), 416, 'range-not-satisfiable', `cannot serve ${range} of ${size} bytes`);
  }
  end = Math.min(end, size - 1);
  return reply
    .code(206)
    .header('content-type', type)
    .header('content-range', `bytes ${start}-${end}/${size}`)
    .header('content-length', end - start + 1)
    .send(createReadStream(file, { start, end }));
}

