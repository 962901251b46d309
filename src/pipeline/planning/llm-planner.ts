import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { SlotflowError } from '../../core/errors.ts';
import type { CallOptions, ChatMessage, StructuredChat } from '../../providers/types.ts';
import type { PromptBrief } from './prompt-brief.ts';
import { SCENE_PLAN_SCHEMA, type ScenePlan } from './scene-plan.ts';
import type { Tone } from './template-copy.ts';

/**
 * The planner that asks a model: the prompt, the tone and the length in a
 * chat request whose answer a JSON Schema constrains (`SCENE_PLAN_SCHEMA`).
 * The answer is checked with ajv all the same (a local server may not
 * enforce the schema); an answer that is not JSON or does not follow it is
 * sent back with ajv's errors in a follow-up message, at most
 * `MAX_REPAIRS` times, after which the component fails with `plan-invalid`.
 */

export const MAX_REPAIRS = 2;
export const PLAN_SCHEMA_NAME = 'scene_plan';
/** Errors quoted back to the model, at most. */
const ERRORS_QUOTED = 10;

// Loaded and compiled at the first answer, not at import: every render imports the planners and most never ask a
// model (ajv's import and this compile, about 0.1 s of a start).
let compiled: ValidateFunction<ScenePlan> | undefined;
function validatePlan(): ValidateFunction<ScenePlan> {
  if (!compiled) {
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    compiled = new Ajv({ allErrors: true, strict: false }).compile<ScenePlan>(SCENE_PLAN_SCHEMA);
  }
  return compiled;
}

/** Every answer, the last after all repairs, did not follow the schema. */
export class PlanInvalidError extends SlotflowError {
  override name = 'PlanInvalidError';
  constructor(
    readonly attempts: number,
    readonly errors: readonly string[],
  ) {
    super(`the model's scene plan was still invalid after ${attempts} answers: ${errors.slice(0, 3).join('; ')}`, { code: 'plan-invalid' });
  }
}

export interface LlmPlanRequest {
  prompt: string;
  brief: PromptBrief;
  tone: Tone;
  durationSec: number;
  /** English words a second the voice speaks, so the model can size the narration. */
  wordsPerSec: number;
}

export interface LlmPlan {
  plan: ScenePlan;
  /** Chat requests made: 1, plus one per repair. */
  requests: number;
  /** What the server said the requests cost in all, in US dollars; null when it said nothing. */
  costUsd: number | null;
}

export async function llmPlan(chat: StructuredChat, req: LlmPlanRequest, options: CallOptions = {}): Promise<LlmPlan> {
  const messages: ChatMessage[] = [
    { role: 'system', content: systemMessage(req) },
    { role: 'user', content: req.prompt },
  ];
  let costUsd: number | null = null;
  for (let request = 1; ; request++) {
    const { text: answer, costUsd: cost } = await chat.completeJson(messages, { name: PLAN_SCHEMA_NAME, schema: SCENE_PLAN_SCHEMA }, options);
    if (cost !== null) costUsd = (costUsd ?? 0) + cost;
    const errors = problemsOf(answer);
    if (errors.length === 0) return { plan: JSON.parse(answer) as ScenePlan, requests: request, costUsd };
    if (request > MAX_REPAIRS) throw new PlanInvalidError(request, errors);
    messages.push(
      { role: 'assistant', content: answer },
      { role: 'user', content: `That answer does not follow the JSON Schema:\n${errors.map((e) => `- ${e}`).join('\n')}\nAnswer again with the whole plan as JSON that follows the schema, and nothing else.` },
    );
  }
}

/** What is wrong with an answer, as ajv says it ("/scenes/0/duration_sec must be number"); empty when it is a valid plan. */
export function problemsOf(answer: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer);
  } catch (e) {
    return [`the answer is not JSON: ${(e as Error).message}`];
  }
  const validate = validatePlan();
  if (validate(parsed)) return [];
  return (validate.errors ?? []).slice(0, ERRORS_QUOTED).map(describeError);
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath || '(the answer)';
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
  return `${where} ${e.message ?? e.keyword}${extra}`;
}

function systemMessage(req: LlmPlanRequest): string {
  const words = Math.round(req.durationSec * req.wordsPerSec);
  const language = req.brief.language === 'zh' ? 'Simplified Chinese' : 'English';
  return [
    'You write scripts for short narrated videos.',
    `Turn the request into scenes: a hook, what it is, why it matters, and a call to action; more scenes in the middle for a longer video, about one every 7 seconds.`,
    `The video is a ${req.brief.kind}, in a ${req.tone} tone, ${req.durationSec} seconds long: all the narration together is about ${words} words in ${language}.`,
    // The illustrations are named in English and in Chinese: the nouns are asked for in the narration's language.
    `Each scene has its narration (what the voice says, written as a person would say it, no stage directions), visual_keywords (one to three concrete nouns in ${language} that a picture of the scene would show: "coffee cup", not "quality") and duration_sec (its length in seconds).`,
    'Give the video a short title. Answer with JSON only.',
  ].join('\n');
}
