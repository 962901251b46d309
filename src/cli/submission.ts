import type { Command } from 'commander';
import { SlotflowError } from '../core/errors.ts';
import type { CompiledFlow } from '../core/flow/compile.ts';
import { checkFlowTakesInput, type ResumedPart, resumeChanges, type SubmissionContext, type TaskInput, validateSubmission, type ValidSubmission } from '../pipeline/submission.ts';
import { UsageError } from './exit.ts';

/**
 * The request options `render` and `task submit` share (and `task resume`
 * the ones it may change), turned into the `options` of a submission and
 * checked by the one validation every entry point uses. A refusal is a
 * usage error (exit 2) with the validation's code, as the API answers 400.
 */

export interface RequestFlags {
  /** Instead of an article file: what the video should be. */
  prompt?: string;
  format?: string;
  voice?: string;
  duration?: string;
  tone?: string;
  captions?: string;
  /** `--no-music` makes it false; undefined when the command has no such flag. */
  music?: boolean | string;
  /** `--no-reuse` makes it false. */
  reuse?: boolean;
}

/** Adds `--prompt`, `--format`, `--voice`, `--duration`, `--tone`, `--captions`, `--no-reuse`: values are checked by the validation, not here. */
export function addRequestOptions(cmd: Command): Command {
  return cmd
    .option('--prompt <text>', 'what the video should be, instead of an article file ("a 30-sec ad for a coffee brand"): a planner writes the scenes')
    .option('--format <ratio>', 'aspect ratio: 16:9, 9:16 or 1:1')
    .option('--voice <voice>', 'speech provider and/or voice, e.g. espeak-ng, en-us+f3, espeak-ng:cmn (see GET /v1/meta)')
    .option('--duration <seconds>', 'target narration length (5 to 900): a --prompt video is planned to it (default: the prompt\'s own, else 30); a longer article is condensed to whole sentences that fit it, within 10 %')
    .option('--tone <tone>', 'calm, upbeat, serious or playful: how a --prompt video is written, the speaking rate and pitch, the music bed, and the caption style when --captions is not given')
    .option('--captions <style>', 'sentence, karaoke (each word highlighted as spoken) or pop (a few words at a time); default by tone')
    .option('--no-reuse', 'run fresh even when a completed task had the same request (near-duplicate reuse)');
}

/** Adds the options a resume may change: `--voice`, `--music`, `--captions`, `--tone`; `--format` only to be told it cannot. */
export function addResumeOptions(cmd: Command): Command {
  return cmd
    .option('--format <ratio>', 'refused unless it is the task\'s own: another format is a new task')
    .option('--voice <voice>', 'speak with another voice')
    .option('--music <on>', 'true or false: with or without background music')
    .option('--captions <style>', 'sentence, karaoke (each word highlighted as spoken) or pop (a few words at a time); default by tone')
    .option('--tone <tone>', 'calm, upbeat, serious or playful: speaking rate and pitch, the music bed, and the caption style when --captions is not given');
}

/** The flags given, as options; values as typed, so the validation names what is wrong. */
export function optionsFromFlags(flags: RequestFlags): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (flags.format !== undefined) options.format = flags.format;
  if (flags.voice !== undefined) options.voice = flags.voice;
  if (flags.duration !== undefined) options.duration_s = /^\s*[\d.]+\s*$/.test(flags.duration) ? Number(flags.duration) : flags.duration;
  if (flags.tone !== undefined) options.tone = flags.tone;
  if (flags.captions !== undefined) options.captions = flags.captions;
  if (typeof flags.music === 'boolean') options.music = flags.music;
  else if (flags.music !== undefined) options.music = flags.music === 'true' ? true : flags.music === 'false' ? false : flags.music;
  if (flags.reuse === false) options.reuse = false;
  return options;
}

/** `validateSubmission`, its refusals as usage errors that keep their code. */
export async function checkedSubmission(raw: unknown, ctx: SubmissionContext): Promise<ValidSubmission> {
  try {
    return await validateSubmission(raw, { ...ctx, without: ['callback_url', 'flow'] });
  } catch (e) {
    throw asUsage(e, ctx.filename);
  }
}

/** `checkFlowTakesInput`, its refusal a usage error: `--flow` named a flow without a planner for `--prompt`. */
export function checkedFlowInput(flow: Pick<CompiledFlow, 'name' | 'components'>, input: TaskInput): void {
  try {
    checkFlowTakesInput(flow, input);
  } catch (e) {
    throw asUsage(e);
  }
}

/** Exactly one of an input file and `--prompt`. */
export function inputOrPrompt(file: string | undefined, prompt: string | undefined): { file: string } | { prompt: string } {
  if (file !== undefined && prompt !== undefined) throw new UsageError('give an article file or --prompt, not both');
  if (prompt !== undefined) return { prompt };
  if (file === undefined) throw new UsageError('give an article file, or --prompt "what the video is about"');
  return { file };
}

/** The options a resume changes, checked against the task's stored input; none given: undefined. */
export async function checkedResumeOptions(flags: RequestFlags, stored: unknown, ctx: Pick<SubmissionContext, 'speech'> & { scene?: number | undefined; resumed?: ResumedPart | undefined }): Promise<Record<string, unknown> | undefined> {
  const options = optionsFromFlags(flags);
  if (Object.keys(options).length === 0) return undefined;
  try {
    return await resumeChanges(stored, options, ctx);
  } catch (e) {
    throw asUsage(e);
  }
}

/** The file's name leads the message when the refusal is about its content. */
function asUsage(e: unknown, file?: string): unknown {
  if (!(e instanceof SlotflowError) || e instanceof UsageError) return e;
  const about = file && /^(?:article-|invalid-script)/.test(e.code) ? `${file}: ` : '';
  return new UsageError(`${about}${e.message}`, { code: e.code, cause: e });
}
