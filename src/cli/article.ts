import { readFileSync } from 'node:fs';
import { UsageError } from './exit.ts';

/**
 * Reads an article file into the task input's `article`: its bytes, so the
 * submission's check can tell text from binary or bytes that are not UTF-8;
 * the pipeline parses it when the task runs.
 */
export function readArticle(file: string): { title?: string; body: Buffer } {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read article ${file}: ${(e as Error).message}`);
  }
  const heading = /^#\s+(.+)$/m.exec(raw.toString('utf8'));
  return heading ? { title: heading[1]!.trim().slice(0, 500), body: raw } : { body: raw };
}
