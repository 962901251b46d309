import type { RequestVector } from '../../core/ports/request-vectors.ts';

/** Cosine similarity of two vectors that are already L2-normalised; vectors of different kinds share nothing. */
export function cosine(a: RequestVector, b: RequestVector): number {
  if (a.kind === 'sparse' && b.kind === 'sparse') {
    let dot = 0;
    for (const [term, weight] of Object.entries(a.terms)) dot += weight * (b.terms[term] ?? 0);
    return dot;
  }
  if (a.kind === 'dense' && b.kind === 'dense') {
    if (a.values.length !== b.values.length) return 0;
    let dot = 0;
    for (let i = 0; i < a.values.length; i++) dot += a.values[i]! * b.values[i]!;
    return dot;
  }
  return 0;
}
