/**
 * The one seeded random generator. Whatever needs randomness that must come
 * out the same for the same input (a background's colours, a music bed's
 * chords, a scene's camera move) draws it from here, so one seed always gives
 * one picture and one sound, in every process.
 */

/** A source of numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/** mulberry32: 32 bits of state, fast, good enough for picking colours and notes (not for secrets). */
export function seededRandom(seed: number): Random {
  let a = Math.trunc(seed) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A stable unsigned 32-bit seed from a string (FNV-1a over UTF-16 code units). */
export function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
