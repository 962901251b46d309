// @ts-check
// Following a task live: its event stream (`GET /v1/tasks/:id/events`) asks
// for a fresh fetch on each event; calls that come while a fetch runs
// coalesce into one more. When a stream cannot be had, polling does the
// same, until the task has ended. The Products and Presenters views use it.

import { openStream } from './events.js';

/**
 * @typedef {import('./events.js').Stream} Stream
 */

const POLL_MS = 2000;
export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Something fetched again on events: one fetch at a time, and one more when asked meanwhile.
 * @typedef {object} Follower
 * @property {Stream | null} stream
 * @property {ReturnType<typeof setInterval> | null} poll
 * @property {Promise<void> | null} inflight
 * @property {boolean} again
 */

/** @returns {Follower} */
export const follower = () => ({ stream: null, poll: null, inflight: null, again: false });

/**
 * Fetches again through `load`, coalescing calls that come while a fetch runs.
 * @param {Follower} f
 * @param {() => Promise<void>} load
 */
export function refreshWith(f, load) {
  if (f.inflight) {
    f.again = true;
    return f.inflight;
  }
  f.inflight = (async () => {
    do {
      f.again = false;
      await load();
    } while (f.again);
  })().finally(() => {
    f.inflight = null;
  });
  return f.inflight;
}

/**
 * Follows a task's events until `ended()`: each event calls `refresh`; without a stream, polling does.
 * @param {Follower} f
 * @param {string} id
 * @param {() => Promise<void>} refresh
 * @param {() => boolean} ended
 * @param {(text: string) => void} say how the stream stands
 */
export function follow(f, id, refresh, ended, say) {
  unfollow(f);
  const startPolling = () => {
    if (f.poll) return;
    f.poll = setInterval(() => {
      if (!ended()) {
        refresh();
        return;
      }
      unfollow(f);
      say('');
    }, POLL_MS);
  };
  f.stream = openStream(id, {
    onEvent: (type) => {
      refresh().then(() => {
        if (TERMINAL.has(type) && ended()) {
          unfollow(f);
          say('');
        }
      });
    },
    onState: (state) => {
      if (state === 'live') {
        say('live');
        if (f.poll) clearInterval(f.poll);
        f.poll = null;
      } else if (state === 'connecting') {
        say('connecting…');
      } else if (ended()) {
        unfollow(f);
        say('');
      } else {
        say(state === 'refused' ? 'polling' : 'reconnecting…');
        startPolling();
      }
    },
  });
}

/** @param {Follower} f */
export function unfollow(f) {
  if (f.stream) f.stream.close();
  f.stream = null;
  if (f.poll) clearInterval(f.poll);
  f.poll = null;
}
