import { INTERNAL_QUEUE_FAMILY } from '../core/engine/task.ts';
import type { FlowDocument } from '../core/flow/document.ts';
import { CALLBACKS_QUEUE_FAMILY, DEFAULT_QUEUE_FAMILY, familyOf, isQueueFamily } from '../core/flow/queue-family.ts';
import type { ServedQueue } from '../core/ports/queue.ts';
import { SlotflowError } from '../core/errors.ts';

/**
 * Which (family, handler) queues a worker consumes. A BullMQ worker listens to
 * one named queue, so a worker must know the pairs that exist before any job
 * arrives. They come from the flows it can see when it starts: the flow files
 * (the flow catalog) and every flow version stored for a task, so a task
 * pinned to a version that put a component in another family than today's
 * files still has a worker. `default` also has its own rule: a worker serving
 * it consumes every registered handler's `default` queue whether or not a
 * flow names it, as workers did before families existed.
 *
 * A worker with no `families` serves job queues only; naming families (even
 * all of them) adds the engine's own queues of those families: callbacks and
 * deadlines are `callbacks`', fan-out `default`'s. `slotflow scheduler` runs
 * the engine's own queues too, so without a `callbacks` worker callbacks are
 * still served. `handlers` narrows to those handlers (and then the engine's
 * own queues, which are no registered handler's, are not served).
 */

export interface QueueSelection {
  /** `--queues`: undefined serves every family. */
  families?: readonly string[] | undefined;
  /** `--handlers`: undefined serves every registered handler. */
  handlers?: readonly string[] | undefined;
}

/** The families that exist whatever the flows say. */
export const BUILT_IN_FAMILIES: readonly string[] = [DEFAULT_QUEUE_FAMILY, CALLBACKS_QUEUE_FAMILY];

export class UnknownQueueFamilyError extends SlotflowError {
  override name = 'UnknownQueueFamilyError';
  constructor(
    readonly families: readonly string[],
    readonly known: readonly string[],
  ) {
    super(`no flow names queue family ${families.map((f) => JSON.stringify(f)).join(', ')}, so nothing would be served (known: ${known.join(', ')})`, {
      code: 'unknown-queue-family',
    });
  }
}

export class InvalidQueueFamilyError extends SlotflowError {
  override name = 'InvalidQueueFamilyError';
  constructor(readonly family: string) {
    super(`${JSON.stringify(family)} is not a queue family name: a lower-case letter, then up to 31 lower-case letters, digits or dashes`, {
      code: 'invalid-queue-family',
    });
  }
}

/** Every job component's (family, handler), read from the document as written: a stored version need not compile today. */
export function documentQueues(doc: FlowDocument): ServedQueue[] {
  return doc.modules.flatMap((m) =>
    m.components
      .filter((c) => (c.kind ?? 'job') === 'job')
      .map((c) => ({ family: familyOf('job', c.queue ?? doc.queue), handler: c.handler ?? c.component_name })),
  );
}

/** The families the flows and the engine know, sorted. */
export function knownFamilies(docs: readonly FlowDocument[]): string[] {
  return [...new Set([...BUILT_IN_FAMILIES, ...docs.flatMap((d) => documentQueues(d).map((q) => q.family))])].sort();
}

/** `--queues` as given: each name valid and known to some flow, else the error that says so. */
export function checkFamilies(families: readonly string[], docs: readonly FlowDocument[]): void {
  const invalid = families.find((f) => !isQueueFamily(f));
  if (invalid !== undefined) throw new InvalidQueueFamilyError(invalid);
  const known = knownFamilies(docs);
  const unknown = families.filter((f) => !known.includes(f));
  if (unknown.length > 0) throw new UnknownQueueFamilyError(unknown, known);
}

/** The queues a worker with `registered` handlers consumes under `selection`, each once, sorted. */
export function workerQueues(docs: readonly FlowDocument[], registered: readonly string[], selection: QueueSelection = {}): ServedQueue[] {
  const handlers = new Set(selection.handlers ?? registered);
  const families = selection.families ? new Set(selection.families) : undefined;
  const candidates: ServedQueue[] = [
    ...docs.flatMap(documentQueues),
    ...registered.map((handler) => ({ family: DEFAULT_QUEUE_FAMILY, handler })),
  ].filter((q) => handlers.has(q.handler) && registered.includes(q.handler));
  if (families && !selection.handlers) {
    for (const [handler, family] of INTERNAL_QUEUE_FAMILY) candidates.push({ family, handler });
  }
  const chosen = new Map<string, ServedQueue>();
  for (const q of candidates) if (!families || families.has(q.family)) chosen.set(`${q.family}/${q.handler}`, q);
  return [...chosen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, q]) => q);
}
