import type { LifecycleEvent } from '../engine/events.ts';
import type { StoredEvent } from './read-model.ts';

/**
 * How lifecycle events are stored: one outbox row per write of a task (and one
 * per task creation), holding that write's events in order. Readers expand a
 * row into its events; every event keeps an id of its own:
 *
 *   event id = row id × EVENT_ID_STRIDE + position in the row
 *
 * Row ids only grow, so event ids grow within a task's stream and across the
 * streams of a task and its children, as they did when every event was a row.
 * They are not consecutive. A write with more events than a row holds is
 * written as several rows (`packEvents`).
 *
 * Rows written before events were packed (migration 0010) hold one event whose
 * id is the row id itself (`legacy`), so an id handed out before the upgrade
 * still names the same event. Every packed row's id is larger than every
 * legacy row's, so the packed ids (×64) come after all the legacy ones.
 */

/** Positions per row: an event's id is its row's id times this, plus its position. */
export const EVENT_ID_STRIDE = 64;
/** The most events one row holds: a flow has at most 32 components, a write a few lifecycle events more. */
export const MAX_EVENTS_PER_ROW = EVENT_ID_STRIDE;

/** One event as a row stores it (`events.items`, a JSON array of these); absent fields are null. */
export interface EventItem {
  type: string;
  slot_word: string;
  component?: string | null;
  attempt?: number | null;
  data?: unknown;
}

/** A stored row of events, as the stores read it. */
export interface EventRow {
  id: number;
  taskId: string;
  /** Written before events were packed: one event, whose id is the row id. */
  legacy: boolean;
  items: readonly EventItem[];
  createdAt: Date;
}

export function toItem(e: LifecycleEvent): EventItem {
  return {
    type: e.type, slot_word: e.slotWord,
    ...(e.component !== undefined ? { component: e.component } : {}),
    ...(e.attempt !== undefined ? { attempt: e.attempt } : {}),
    ...(e.data !== undefined ? { data: e.data } : {}),
  };
}

/** The rows that hold `events`, in order: as few as the bound allows, none for no events. */
export function packEvents(events: readonly LifecycleEvent[]): EventItem[][] {
  const rows: EventItem[][] = [];
  for (let i = 0; i < events.length; i += MAX_EVENTS_PER_ROW) rows.push(events.slice(i, i + MAX_EVENTS_PER_ROW).map(toItem));
  return rows;
}

export function eventId(row: Pick<EventRow, 'id' | 'legacy'>, position: number): number {
  return row.legacy ? row.id : row.id * EVENT_ID_STRIDE + position;
}

/**
 * The smallest row id that can hold an event after `afterId` (a row of a packed id holds later positions too);
 * a reader takes the rows from there that are packed, or legacy with an id above `afterId`.
 */
export function firstRowAfter(afterId: number): number {
  return Math.floor(afterId / EVENT_ID_STRIDE);
}

/** The events of `row` after `afterId`, in order, from position `from` on. */
export function expandRow(row: EventRow, afterId = 0, from = 0): StoredEvent[] {
  const out: StoredEvent[] = [];
  row.items.forEach((item, position) => {
    const id = eventId(row, position);
    if (position < from || id <= afterId) return;
    out.push({
      id, taskId: row.taskId, type: item.type, slotWord: item.slot_word, component: item.component ?? null,
      attempt: item.attempt ?? null, data: item.data ?? null, createdAt: row.createdAt,
    });
  });
  return out;
}

/** The events of `rows` (in id order) after `afterId`, at most `limit`. */
export function expandRows(rows: readonly EventRow[], afterId = 0, limit = Infinity): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const row of rows) {
    for (const e of expandRow(row, afterId)) {
      if (out.length >= limit) return out;
      out.push(e);
    }
  }
  return out;
}
