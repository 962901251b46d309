import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { flowDirs } from '../adapters/flow-files.ts';
import { ModesFileError } from '../product/modes.ts';

/**
 * The presenter router: `presenter-routes.json` in the flow directories maps each route of a presenter output to
 * the flow that makes it (the first directory that has the file wins, as for flows and product modes).
 */

export const ROUTES_FILE = 'presenter-routes.json';

export function routeTable(cwd = process.cwd(), extraDir?: string): Record<string, string> {
  const file = flowDirs(cwd, extraDir).map((d) => path.join(d, ROUTES_FILE)).find((f) => existsSync(f));
  if (!file) return {};
  let table: unknown;
  try {
    table = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModesFileError(`${ROUTES_FILE} is not valid JSON: ${(e as Error).message}`);
  }
  if (table === null || typeof table !== 'object' || Array.isArray(table) || !Object.values(table).every((v) => typeof v === 'string')) {
    throw new ModesFileError(`${ROUTES_FILE} must map each route to a flow name`);
  }
  return table as Record<string, string>;
}
