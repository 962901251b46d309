/**
 * The slot: two bits of a task's 64-bit word that belong to one component.
 *
 * Slot `i` owns bit `2i` (success) and bit `2i+1` (failure):
 *
 *   bits  state      meaning
 *   00    pending    not finished yet (it may be in flight; that is kept
 *                    beside the word, not in it)
 *   01    succeeded  the component's output is there
 *   10    failed     the component failed for good (retries exhausted)
 *   11    skipped    a branch not taken (`when` did not match)
 *
 * Transitions: pending -> succeeded | failed | skipped. Nothing leaves a
 * finished state except a resume, which clears the slot back to pending
 * (together with everything downstream of it).
 *
 * Skipped has the success bit set, so "every dependency succeeded or was
 * skipped" is one AND against the dependencies' success bits.
 *
 * Words are `bigint` from end to end and always within unsigned 64 bits.
 */

import { SlotflowError } from './errors.ts';

export const SLOT_COUNT = 32;
export const WORD_BITS = 64n;
export const WORD_MASK = (1n << WORD_BITS) - 1n;
/** The success bit of every slot: bit 2i for slot i. */
export const SUCCESS_BITS = 0x5555_5555_5555_5555n;

export const SlotState = {
  pending: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
} as const;
export type SlotState = (typeof SlotState)[keyof typeof SlotState];

export const SLOT_STATES: readonly SlotState[] = Object.values(SlotState);

const STATE_BY_BITS: readonly SlotState[] = [
  SlotState.pending,
  SlotState.succeeded,
  SlotState.failed,
  SlotState.skipped,
];

export class SlotRangeError extends SlotflowError {
  override name = 'SlotRangeError';
  constructor(readonly slot: number) {
    super(`slot index ${slot} is outside 0..${SLOT_COUNT - 1}`, { code: 'slot-out-of-range' });
  }
}

export class WordRangeError extends SlotflowError {
  override name = 'WordRangeError';
  constructor(readonly word: bigint) {
    super(`${word} is outside unsigned 64 bits`, { code: 'word-out-of-range' });
  }
}

function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new SlotRangeError(slot);
}

export function checkWord(word: bigint): bigint {
  if (word < 0n || word > WORD_MASK) throw new WordRangeError(word);
  return word;
}

export function successBit(slot: number): bigint {
  checkSlot(slot);
  return 1n << BigInt(2 * slot);
}

export function failBit(slot: number): bigint {
  checkSlot(slot);
  return 1n << BigInt(2 * slot + 1);
}

/** Both bits of the slot. */
export function slotBits(slot: number): bigint {
  return successBit(slot) | failBit(slot);
}

export function slotState(word: bigint, slot: number): SlotState {
  const bits = Number((word >> BigInt(2 * slot)) & 3n);
  return STATE_BY_BITS[bits] as SlotState;
}

/** Sets the slot to `state`, leaving every other bit of the word as it was. */
export function withSlotState(word: bigint, slot: number, state: SlotState): bigint {
  const cleared = word & ~slotBits(slot) & WORD_MASK;
  switch (state) {
    case SlotState.pending:
      return cleared;
    case SlotState.succeeded:
      return cleared | successBit(slot);
    case SlotState.failed:
      return cleared | failBit(slot);
    case SlotState.skipped:
      return cleared | slotBits(slot);
  }
}

export function isSlotState(value: string): value is SlotState {
  return (SLOT_STATES as readonly string[]).includes(value);
}

/** Parses a word written in decimal or `0x` hex; throws on anything else. */
export function parseWord(text: string): bigint {
  const trimmed = text.trim();
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(trimmed)) {
    throw new SyntaxError(`"${text}" is not a decimal or 0x-hex number`);
  }
  return checkWord(BigInt(trimmed));
}

export function toHex(word: bigint): string {
  return '0x' + word.toString(16);
}
