import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The editors' page as routes: every file under `web/` with a type the page
 * uses, found once when the server is built. Only these routes exist, so no
 * request path is ever joined onto a directory and nothing outside `web/`
 * (or of another type) can be served. The page's ES modules live in
 * subfolders (`/js/views/task.js`) and need a JavaScript type, or the
 * browser refuses to run them.
 */

export const WEB_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface WebFile {
  route: string;
  file: string;
  type: string;
}

export function webFiles(dir: string): WebFile[] {
  const files: WebFile[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const type = WEB_CONTENT_TYPES[path.extname(entry.name)];
    if (!entry.isFile() || !type) continue;
    const file = path.join(entry.parentPath, entry.name);
    const route = '/' + path.relative(dir, file).split(path.sep).join('/');
    // Hidden files and folders (editor swap files, .DS_Store) are never part of the page.
    if (route.split('/').some((part) => part.startsWith('.'))) continue;
    files.push({ route: route === '/index.html' ? '/' : route, file, type });
  }
  return files.sort((a, b) => a.route.localeCompare(b.route));
}
