import { expect } from 'chai';
import type { LifecycleEvent } from '../../src/core/engine/events.ts';
import { EVENT_ID_STRIDE, type EventRow, expandRows, firstRowAfter, MAX_EVENTS_PER_ROW, packEvents } from '../../src/core/ports/event-rows.ts';

/** Event rows as the stores keep them: ids of packed and legacy rows, and what a reader after an id gets. */

const at = new Date('2026-12-02T08:00:00Z');
const progress = (n: number): LifecycleEvent => ({ type: 'progress', slotWord: String(n), component: `c${n}` });

describe('event rows', () => {
  it('packs a write into rows of at most MAX_EVENTS_PER_ROW events, in order, and none for no events', () => {
    expect(packEvents([])).to.deep.equal([]);
    const rows = packEvents(Array.from({ length: 2 * MAX_EVENTS_PER_ROW + 1 }, (_, n) => progress(n)));
    expect(rows.map((r) => r.length)).to.deep.equal([MAX_EVENTS_PER_ROW, MAX_EVENTS_PER_ROW, 1]);
    expect(rows.flat().map((i) => i.component)).to.deep.equal(Array.from({ length: 2 * MAX_EVENTS_PER_ROW + 1 }, (_, n) => `c${n}`));
    // Fields the event does not have are left out, and read back as null.
    expect(packEvents([{ type: 'started', slotWord: '0' }])).to.deep.equal([[{ type: 'started', slot_word: '0' }]]);
  });

  it('numbers legacy rows by their id and packed rows by id × stride + position, increasing across both', () => {
    const rows: EventRow[] = [
      { id: 7, taskId: 't', legacy: true, items: [{ type: 'accepted', slot_word: '0', component: null, attempt: null, data: null }], createdAt: at },
      { id: 8, taskId: 't', legacy: true, items: [{ type: 'started', slot_word: '0' }], createdAt: at },
      { id: 9, taskId: 't', legacy: false, items: packEvents([progress(1), progress(2), progress(3)])[0]!, createdAt: at },
      { id: 10, taskId: 't', legacy: false, items: packEvents([progress(4)])[0]!, createdAt: at },
    ];
    const all = expandRows(rows);
    expect(all.map((e) => e.id)).to.deep.equal([7, 8, 9 * EVENT_ID_STRIDE, 9 * EVENT_ID_STRIDE + 1, 9 * EVENT_ID_STRIDE + 2, 10 * EVENT_ID_STRIDE]);
    expect(all[0]).to.deep.include({ type: 'accepted', slotWord: '0', component: null, attempt: null, data: null });
    expect(all[3]).to.deep.include({ type: 'progress', slotWord: '2', component: 'c2', attempt: null, data: null });
    // After any id, exactly what follows it; and the rows a reader fetches from there hold all of it.
    for (let i = 0; i < all.length; i++) {
      const after = all[i]!.id;
      expect(expandRows(rows, after).map((e) => e.id)).to.deep.equal(all.slice(i + 1).map((e) => e.id));
      const fetched = rows.filter((r) => r.id >= firstRowAfter(after) && (!r.legacy || r.id > after));
      expect(expandRows(fetched, after).map((e) => e.id)).to.deep.equal(all.slice(i + 1).map((e) => e.id));
    }
    expect(expandRows(rows, 0, 4).map((e) => e.id)).to.deep.equal(all.slice(0, 4).map((e) => e.id));
  });
});
