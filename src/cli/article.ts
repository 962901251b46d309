import { readFileSync } from 'node:fs';
import { UsageError } from './exit.ts';

/** Reads an article file into the task input's `article`; the pipeline parses it when the task runs. */
export function readArticle(file: string): { title?: string; body: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read article ${file}: ${(e as Error).message}`);
  }
  const heading = /^#\s+(.+)$/m.exec(text);
  return heading ? { title: heading[1]!.trim(), body: text } : { body: text };
}
