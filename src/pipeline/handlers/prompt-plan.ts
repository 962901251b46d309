import type { HandlerContext } from '../../handlers/registry.ts';
import type { PipelineDeps } from '../deps.ts';
import type { ScriptOutput } from '../outputs.ts';
import { llmPlan } from '../planning/llm-planner.ts';
import { readPrompt } from '../planning/prompt-brief.ts';
import { fitPlan, type PlanFit, type ScenePlan } from '../planning/scene-plan.ts';
import { rateOf } from '../planning/speech-rates.ts';
import { DEFAULT_TONE, type Tone } from '../planning/template-copy.ts';
import { DEFAULT_PROMPT_DURATION_SEC, templatePlan } from '../planning/template-planner.ts';
import { EmptyArticleError } from '../text/errors.ts';
import { splitSentences } from '../text/sentences.ts';
import { speakerFor } from './speech-synthesize.ts';
import { optionsOf } from './shared.ts';

/**
 * `prompt.plan` (the ScriptPlanner of the prompt flow): the task's prompt
 * into scenes, in the shape `script.load` gives, so the rest of the flow is
 * the script flow's. With a chat model that answers in JSON
 * (SLOTFLOW_LLM_BASE_URL) the model plans; without one, the template
 * planner. Either way the plan is fitted to the length asked for
 * (`duration_s`, else the prompt's own, else `DEFAULT_PROMPT_DURATION_SEC`)
 * at the speaking rate of the voice that will narrate it, and the output
 * says which planner wrote it (`planner`). The fitted plan is kept as a
 * `plan` asset, with the time planning took and, where the chat server
 * reports it, what the requests cost.
 */

export const PlannerName = { template: 'template', llm: 'llm' } as const;
export type PlannerName = (typeof PlannerName)[keyof typeof PlannerName];

export interface PlannerInfo {
  name: PlannerName;
  /** The chat model, for the LLM planner; null for the template planner. */
  model: string | null;
  /** "template planner" or "LLM (model)": what the page shows. */
  label: string;
  kind: string;
  subject: string;
  tone: Tone;
  /** Chat requests made (the first and each repair); 0 for the template planner. */
  requests: number;
  fit: PlanFit;
}

export interface PlannedScript extends ScriptOutput {
  planner: PlannerInfo;
}

export function makePromptPlan(deps: PipelineDeps) {
  return async function promptPlan(ctx: HandlerContext): Promise<PlannedScript> {
    const prompt = (ctx.input as { prompt?: unknown } | null)?.prompt;
    if (typeof prompt !== 'string' || prompt.trim() === '') throw new EmptyArticleError('text');
    const options = optionsOf(ctx);
    const brief = readPrompt(prompt);
    const tone = (typeof options.tone === 'string' ? options.tone : DEFAULT_TONE[brief.kind]) as Tone;
    const durationSec = typeof options.duration_s === 'number' ? options.duration_s : brief.durationSec ?? DEFAULT_PROMPT_DURATION_SEC;
    const speaker = await speakerFor(brief.language, typeof options.voice === 'string' ? options.voice : undefined, deps.speech);
    const rate = rateOf(speaker.provider.name);

    const chat = deps.chat?.structured;
    const started = performance.now();
    let plan: ScenePlan;
    let requests = 0;
    let costUsd: number | null = null;
    if (chat) {
      const answer = await llmPlan(chat, { prompt, brief, tone, durationSec, wordsPerSec: rate.wordsPerSec }, { signal: ctx.signal });
      plan = answer.plan;
      requests = answer.requests;
      costUsd = answer.costUsd;
    } else {
      plan = templatePlan(prompt, { durationSec, tone, rate }).plan;
    }
    const fitted = fitPlan(plan, durationSec, rate);
    const stored = await deps.assets.putBytes(Buffer.from(`${JSON.stringify(fitted.plan, null, 2)}\n`), '.json');
    ctx.recordAsset({
      kind: 'plan', provider: chat ? deps.chat!.name : 'template-planner', path: stored.path, hash: stored.hash, bytes: stored.bytes,
      latencyMs: performance.now() - started, costUsd,
    });
    const language = brief.language;
    return {
      title: fitted.plan.title,
      language,
      rewritten_by: null,
      scenes: fitted.plan.scenes.map((s, index) => ({
        index,
        sentences: splitSentences(s.narration, language),
        text: s.narration.trim(),
        keywords: s.visual_keywords,
        estimatedSec: s.duration_sec,
        visual_terms: s.visual_keywords,
      })),
      planner: {
        name: chat ? PlannerName.llm : PlannerName.template,
        model: chat ? chat.model : null,
        label: chat ? `LLM (${chat.model})` : 'template planner',
        kind: brief.kind,
        subject: brief.subject,
        tone,
        requests,
        fit: fitted.fit,
      },
    };
  };
}
