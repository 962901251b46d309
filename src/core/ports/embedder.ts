import type { RequestVector } from './request-vectors.ts';

/** A request's text as a vector, with the bucket it is compared in (see request-vectors.ts). */
export interface Embedding {
  bucket: string;
  vector: RequestVector;
}

export interface RequestEmbedder {
  /** Names the embedder and its model: stored with each vector, so vectors of different ones are never compared. */
  readonly id: string;
  embed(text: string): Promise<Embedding>;
}
