import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FlowNotFoundError, flowDirs } from '../adapters/flow-files.ts';
import type { CompiledFlow } from '../core/flow/compile.ts';
import { FlowValidationError } from '../core/flow/problems.ts';
import { SlotflowError } from '../core/errors.ts';
import { ModeError } from './errors.ts';

/**
 * The output router: `product-modes.json` in the flow directories maps each output mode to the flow that
 * makes it, so adding a mode is a flow file and a line there. The first directory that has the file wins,
 * as for flows. A mode not in the table is `unknown-mode`; a mode whose flow is not installed (or does not
 * load) is `mode-unavailable`, both before any task exists.
 */

export const MODES_FILE = 'product-modes.json';
/** The flow every product is a task of. */
export const IDENTITY_FLOW = 'product-identity';

export class ModesFileError extends SlotflowError {
  override name = 'ModesFileError';
  constructor(message: string) {
    super(message, { code: 'invalid-modes-file' });
  }
}

/** Mode → flow name, as the first `product-modes.json` of the flow directories says. */
export function modeTable(cwd = process.cwd(), extraDir?: string): Record<string, string> {
  const file = flowDirs(cwd, extraDir).map((d) => path.join(d, MODES_FILE)).find((f) => existsSync(f));
  if (!file) return {};
  let table: unknown;
  try {
    table = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModesFileError(`${MODES_FILE} is not valid JSON: ${(e as Error).message}`);
  }
  if (table === null || typeof table !== 'object' || Array.isArray(table) || !Object.values(table).every((v) => typeof v === 'string')) {
    throw new ModesFileError(`${MODES_FILE} must map each mode to a flow name`);
  }
  return table as Record<string, string>;
}

/** The flow a mode routes to, loaded; refuses a mode with no route or no installed flow. */
export function flowForMode(mode: string, table: Readonly<Record<string, string>>, resolveFlow: (name: string) => CompiledFlow): CompiledFlow {
  const modes = Object.keys(table);
  const name = Object.hasOwn(table, mode) ? table[mode] : undefined;
  if (name === undefined) throw new ModeError('unknown-mode', mode, modes, `unknown mode "${mode.slice(0, 40)}"; the modes are ${modes.join(', ')}`);
  try {
    return resolveFlow(name);
  } catch (e) {
    if (e instanceof FlowNotFoundError || e instanceof FlowValidationError) {
      throw new ModeError('mode-unavailable', mode, modes, `mode ${mode} is not available here: its flow ${name} is not installed${e instanceof FlowValidationError ? ' (it does not load)' : ''}`);
    }
    throw e;
  }
}
