import type { AnswerSchema, CallOptions, ChatAnswer, ChatMessage, ChatProvider, Language, StructuredChat } from '../types.ts';
import { providerJson, ProviderResponseError, trimBaseUrl, type HttpOptions, withSignal } from '../http.ts';

/**
 * Any OpenAI-compatible chat completions endpoint: OpenAI itself, or a local
 * server (llama.cpp, Ollama, vLLM, LM Studio) that may need no key.
 */

export interface OpenAiChatOptions {
  /** e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  model: string;
  /** Default `OPENAI_CHAT_DEFAULTS.temperature`. */
  temperature?: number;
  /** Timeout and retries; a completion can be slow, so the timeout defaults to `OPENAI_CHAT_DEFAULTS.timeoutMs`. */
  http?: HttpOptions;
}

export const OPENAI_CHAT_DEFAULTS = {
  temperature: 0.3,
  timeoutMs: 120_000,
} as const;

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', zh: 'Simplified Chinese' };

interface ChatCompletion {
  choices?: { message?: { content?: unknown } }[];
  usage?: { cost?: unknown; total_cost?: unknown };
}

/** The cost a server reports with its answer, in US dollars, if it reports one. */
function reportedCost(answer: ChatCompletion): number | null {
  const cost = answer.usage?.cost ?? answer.usage?.total_cost;
  return typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? cost : null;
}

export class OpenAiChatProvider implements ChatProvider, StructuredChat {
  readonly name = 'openai-chat';
  readonly structured: StructuredChat = this;
  private readonly url: string;
  private readonly options: OpenAiChatOptions;

  constructor(options: OpenAiChatOptions) {
    if (!options.baseUrl) throw new TypeError('OpenAiChatProvider: baseUrl is required');
    if (!options.model) throw new TypeError('OpenAiChatProvider: model is required');
    this.options = options;
    this.url = `${trimBaseUrl(options.baseUrl)}/chat/completions`;
  }

  get model(): string {
    return this.options.model;
  }

  async rewrite(script: string, instructions: string, language: Language, options: CallOptions = {}): Promise<string> {
    const languageName = LANGUAGE_NAMES[language] ?? language;
    const system = [
      'You rewrite narration scripts for short videos.',
      instructions.trim(),
      `Answer in ${languageName} with the rewritten script only: no title, no notes, no quotation marks around it.`,
    ].filter(Boolean).join('\n');
    return this.complete([{ role: 'system', content: system }, { role: 'user', content: script }], {}, options);
  }

  /**
   * Asks for JSON that `schema` constrains, with OpenAI's structured outputs
   * (`response_format: { type: "json_schema", … strict: true }`), which
   * llama.cpp's server and Ollama also take. The answer is not trusted: the
   * caller validates it.
   */
  completeJson(messages: readonly ChatMessage[], schema: AnswerSchema, options: CallOptions = {}): Promise<ChatAnswer> {
    return this.answer(messages, { response_format: { type: 'json_schema', json_schema: { name: schema.name, schema: schema.schema, strict: true } } }, options);
  }

  private async complete(messages: readonly ChatMessage[], extra: Record<string, unknown>, options: CallOptions): Promise<string> {
    return (await this.answer(messages, extra, options)).text;
  }

  private async answer(messages: readonly ChatMessage[], extra: Record<string, unknown>, options: CallOptions): Promise<ChatAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const answer = (await providerJson(this.name, this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: this.options.model,
        temperature: this.options.temperature ?? OPENAI_CHAT_DEFAULTS.temperature,
        messages,
        ...extra,
      }),
    }, { timeoutMs: OPENAI_CHAT_DEFAULTS.timeoutMs, ...this.options.http, ...withSignal(this.options.http?.signal, options.signal) })) as ChatCompletion;
    const content = answer.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new ProviderResponseError(this.name, this.url, 'no choices[0].message.content string');
    // Reasoning models served locally may prefix their answer with their thinking.
    const text = content.replace(/^\s*<think>[\s\S]*?<\/think>/, '').trim();
    if (!text) throw new ProviderResponseError(this.name, this.url, 'the assistant message is empty');
    return { text, costUsd: reportedCost(answer) };
  }
}
