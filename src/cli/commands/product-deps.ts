import { AssetStore } from '../../adapters/asset-store.ts';
import { loadFlow } from '../../adapters/flow-files.ts';
import { SlotflowError } from '../../core/errors.ts';
import { TaskPhase, isTerminal } from '../../core/engine/task.ts';
import { ProductImagesRefusedError } from '../../product/errors.ts';
import { modeTable } from '../../product/modes.ts';
import type { ProductDeps } from '../../product/service.ts';
import { connect } from '../../runtime/composition.ts';
import { resolveTaskId, TaskIdError } from '../../runtime/task-ids.ts';
import type { Settings } from '../../settings.ts';
import { FailedExit, UsageError } from '../exit.ts';
import { json, type Output } from '../output.ts';

/**
 * What `product` and `output` commands share: the service's collaborators over MySQL and Redis (as
 * `task submit` opens them), waiting for a task to end, and the refusals told with the HTTP API's codes.
 */

const WAIT_POLL_MS = 250;

/** Codes that say how the command was asked (exit 2) rather than that the thing asked about is bad (exit 1). */
const USAGE_CODES: ReadonlySet<string> = new Set(['invalid-body', 'unknown-mode', 'mode-unavailable', 'unknown-stage', 'unknown-contract', 'invalid-approval']);

export function openProductDeps(settings: Settings): ProductDeps & { close(): Promise<void> } {
  const d = connect(settings);
  return {
    engine: d.engine, reads: d.reads, snapshots: d.store, flows: d.flows, assets: new AssetStore(settings.dataDir),
    resolveFlow: (name) => loadFlow(name, process.cwd(), settings.flowsDir),
    modes: () => modeTable(process.cwd(), settings.flowsDir),
    close: () => d.close(),
  };
}

/** A service refusal as the command line tells it; with `--json`, the HTTP API's error body (pointer, refusals) on stdout. */
export function refusal(e: unknown, io: Output, asJson: boolean): unknown {
  if (e instanceof TaskIdError || !(e instanceof SlotflowError)) return e;
  const located = e as SlotflowError & { pointer?: string; refusals?: ReadonlyArray<{ file: string; code: string; reason: string }> };
  // A product's photos (ProductImagesRefusedError) and a presenter's (PresenterPhotosRefusedError) carry every refusal.
  const refusals = e instanceof ProductImagesRefusedError ? e.refusals : Array.isArray(located.refusals) ? located.refusals : undefined;
  if (asJson) {
    const details = { ...(located.pointer ? { pointer: located.pointer } : {}), ...(refusals ? { refusals } : {}) };
    io.out(json({ error: { code: e.code, message: e.message, ...details } }));
  } else if (refusals) {
    for (const r of refusals) io.err(`${r.file ? `${r.file}: ` : ''}${r.reason} (${r.code})`);
  }
  if (USAGE_CODES.has(e.code)) return new UsageError(e.message, { code: e.code });
  return new FailedExit(e.message, false, e.code);
}

/** Polls until the task ends, telling each change of status on stderr; a task that did not complete exits 1. */
export async function waitUntilEnded(deps: Pick<ProductDeps, 'reads'>, id: string, io: Output, what: string): Promise<void> {
  let last = '';
  for (;;) {
    const snap = await deps.reads.readTask(id);
    if (!snap) throw new FailedExit(`no ${what} ${id}`, false, `unknown-${what}`);
    if (snap.status !== last) io.err(`${what} ${id.slice(0, 8)}: ${snap.status}`);
    last = snap.status;
    if (isTerminal(snap.phase)) {
      if (snap.phase !== TaskPhase.completed) throw new FailedExit(`${what} ${id} ${snap.phase}${snap.error ? `: ${snap.error.component}: ${snap.error.message}` : ''}`, false, snap.error?.code ?? `task-${snap.phase}`);
      return;
    }
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
}

/** A product's or output's id from a unique prefix; none by that prefix is `unknown-product` / `unknown-output` (exit 1). */
export async function resolveId(deps: Pick<ProductDeps, 'reads'>, given: string, what: 'product' | 'output'): Promise<string> {
  try {
    return await resolveTaskId(deps.reads, given);
  } catch (e) {
    if (e instanceof TaskIdError && e.code === 'unknown-task') throw new FailedExit(`no ${what} ${given.slice(0, 40)}`, false, `unknown-${what}`);
    throw e;
  }
}
