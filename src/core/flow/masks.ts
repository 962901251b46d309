import type { MaskLiteral } from './document.ts';

/**
 * Reads a mask as written. JSON numbers are exact for every single-bit mask up
 * to 2^63; the file loader hands over digit-only number literals as strings so
 * that a wrong value near 2^63 is not rounded onto a right one.
 */
export function maskValue(literal: MaskLiteral): bigint | undefined {
  if (typeof literal === 'number') {
    return Number.isSafeInteger(literal) || Number.isInteger(literal) ? BigInt(literal) : undefined;
  }
  try {
    return BigInt(literal.trim());
  } catch {
    return undefined;
  }
}
