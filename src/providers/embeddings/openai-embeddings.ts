import type { Embedding, RequestEmbedder } from '../../core/ports/embedder.ts';
import { providerJson, ProviderResponseError, trimBaseUrl, type HttpOptions } from '../http.ts';

/**
 * Any OpenAI-compatible embeddings endpoint (`POST {base}/embeddings` with
 * `{ model, input }`, answering `{ data: [{ embedding: [...] }] }`): OpenAI,
 * or a local server (Ollama, llama.cpp, vLLM). Dense vectors have no bucket:
 * a lookup compares every stored vector of the same settings and model.
 */

export interface OpenAiEmbeddingsOptions {
  /** e.g. `https://api.openai.com/v1`; `/embeddings` is appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  model: string;
  http?: HttpOptions;
}

/** A submission waits for this: an embedding is quick, and a slow service only costs the reuse, not the task. */
export const OPENAI_EMBEDDINGS_TIMEOUT_MS = 10_000;

interface EmbeddingsAnswer {
  data?: Array<{ embedding?: unknown }>;
}

export class OpenAiEmbeddings implements RequestEmbedder {
  readonly name = 'openai-embeddings';
  readonly id: string;
  private readonly url: string;

  constructor(private readonly options: OpenAiEmbeddingsOptions) {
    if (!options.baseUrl) throw new TypeError('OpenAiEmbeddings: baseUrl is required');
    if (!options.model) throw new TypeError('OpenAiEmbeddings: model is required');
    this.url = `${trimBaseUrl(options.baseUrl)}/embeddings`;
    // The service is part of the id: the same model name on two servers may be two models.
    this.id = `openai:${new URL(this.url).host}:${options.model}`.slice(0, 128);
  }

  async embed(text: string): Promise<Embedding> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const answer = (await providerJson(this.name, this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: this.options.model, input: text }),
    }, { timeoutMs: OPENAI_EMBEDDINGS_TIMEOUT_MS, ...this.options.http })) as EmbeddingsAnswer;
    const values = answer.data?.[0]?.embedding;
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new ProviderResponseError(this.name, this.url, 'no data[0].embedding list of numbers');
    }
    const norm = Math.sqrt(values.reduce((s: number, v: number) => s + v * v, 0));
    if (norm === 0) throw new ProviderResponseError(this.name, this.url, 'the embedding is all zeros');
    return { bucket: '', vector: { kind: 'dense', values: values.map((v: number) => v / norm) } };
  }
}
