import { SlotflowError } from '../core/errors.ts';
import { taskTitle } from './title.ts';
import type { CompiledFlow } from '../core/flow/compile.ts';
import type { SpeechProvider } from '../providers/types.ts';
import { BadOptionError, DEFAULT_FORMAT, FORMATS, frameFor } from './formats.ts';
import { MAX_SCRIPT_SCENES } from './handlers/script-load.ts';
import { parseArticle } from './text/article.ts';
import { ArticleTooLongError, InvalidScriptError } from './text/errors.ts';
import { chooseVoice } from './voices.ts';

/**
 * The one check of a submission, for every entry point (`slotflow render`,
 * `slotflow task submit`, `POST /v1/tasks`, and so the page): a raw request
 * `{ flow?, article?: { title?, body }, prompt?, script?, title?, options? }`
 * in, the task input the pipeline trusts out, or a SlotflowError whose code
 * the caller reports as it is (400 on HTTP, exit 2 on the command line)
 * before any task exists:
 *
 * - a value of the wrong type, a field that is not one, both or neither of
 *   article and script: `invalid-body`;
 * - an article (or prompt) with nothing to say, binary, too long:
 *   `article-empty`, `article-binary`, `article-too-long`;
 * - an unknown option or a bad option value: `invalid-option`, naming the
 *   field and what it takes;
 * - a voice that no speech provider here offers: `unknown-voice`.
 *
 * Resuming with changed options checks them with `validateOptions` here too.
 */

export const TONES = ['calm', 'upbeat', 'serious', 'playful'] as const;
export const CAPTION_STYLES = ['sentence', 'karaoke', 'pop'] as const;
/** `duration_s` bounds: a target narration length, from a short clip to a long explainer. */
export const MIN_DURATION_S = 5;
export const MAX_DURATION_S = 900;
export const MAX_TITLE_CHARS = 500;
export const MAX_VOICE_CHARS = 100;
export const MAX_WATERMARK_CHARS = 100;
/** A prompt is a request, not an article: a few sentences. */
export const MAX_PROMPT_CHARS = 4000;
export const MAX_SCENE_TEXT_CHARS = 2000;
const OUTPUTS = ['video', 'images', 'fast-cut'] as const;
const STYLES = ['fast'] as const;

/** What a submission may carry at its top level. */
const FIELDS = ['flow', 'article', 'prompt', 'script', 'title', 'options', 'callback_url'] as const;
/** Flow names as files are named; a path is only for the command line's `--flow FILE`, which loads it itself. */
const FLOW_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The options, each with what it takes. `reuse` is read at submit
 * (src/runtime/reuse/); the others are used as the docs say (`duration_s`
 * by a prompt's planner, TextProcessor and SpeechSynthesis, `tone` by the
 * planner, SpeechSynthesis, MusicSelector, SubtitleBuilder and
 * VideoSynthesis; see `tones.ts`).
 */
const OPTION_CHECKS: Record<string, (value: unknown) => string | undefined> = {
  format: (v) => (typeof v === 'string' && Object.hasOwn(FORMATS, v) ? undefined : `one of ${Object.keys(FORMATS).join(', ')}`),
  voice: (v) => (typeof v === 'string' && v.trim() !== '' && v.length <= MAX_VOICE_CHARS ? undefined : `a voice name of 1 to ${MAX_VOICE_CHARS} characters (GET /v1/meta lists them)`),
  duration_s: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= MIN_DURATION_S && v <= MAX_DURATION_S ? undefined : `a number of seconds from ${MIN_DURATION_S} to ${MAX_DURATION_S}`),
  tone: (v) => oneOf(v, TONES),
  captions: (v) => oneOf(v, CAPTION_STYLES),
  music: (v) => (typeof v === 'boolean' ? undefined : 'true or false'),
  reuse: (v) => (typeof v === 'boolean' ? undefined : 'true or false'),
  size: (v) => (typeof v === 'string' ? undefined : 'WIDTHxHEIGHT with even numbers up to 3840'),
  watermark: (v) => (v === false || (typeof v === 'string' && v.length <= MAX_WATERMARK_CHARS) ? undefined : `a text of up to ${MAX_WATERMARK_CHARS} characters, or false`),
  style: (v) => oneOf(v, STYLES),
  output: (v) => oneOf(v, OUTPUTS),
};
export const OPTION_NAMES: readonly string[] = Object.keys(OPTION_CHECKS);
/** What a resume may change: what is made after the format is fixed. A new format is a new task. */
export const RESUME_OPTION_NAMES = ['voice', 'music', 'captions', 'tone'] as const;

function oneOf(value: unknown, allowed: readonly string[]): string | undefined {
  return typeof value === 'string' && allowed.includes(value) ? undefined : `one of ${allowed.join(', ')}`;
}

/** A value of the wrong type or shape, or a field that is not one: the request is not a submission. */
export class InvalidBodyError extends SlotflowError {
  override name = 'InvalidBodyError';
  declare readonly code: 'invalid-body';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, { code: 'invalid-body' });
  }
}

/** A prompt was valid text, but the flow asked for has no planner to turn it into scenes. */
export class PromptNotSupportedError extends SlotflowError {
  override name = 'PromptNotSupportedError';
  constructor(readonly flow: string) {
    super(`flow ${flow} does not take a prompt (it has no prompt.plan component): leave out the flow, or use prompt-video`, { code: 'prompt-not-supported' });
  }
}

/** The handler that turns a prompt into scenes; a flow takes a prompt only when it has one. */
export const PROMPT_PLAN_HANDLER = 'prompt.plan';

/** Refuses a prompt for a flow without a planner, before a task exists. */
export function checkFlowTakesInput(flow: Pick<CompiledFlow, 'name' | 'components'>, input: TaskInput): void {
  if (input.prompt !== undefined && !flow.components.some((c) => c.handler === PROMPT_PLAN_HANDLER)) throw new PromptNotSupportedError(flow.name);
}

/** A resume that asks for another format: the frame is fixed when the task starts. */
export class FormatChangeError extends SlotflowError {
  override name = 'FormatChangeError';
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`the task is ${from}; a ${to} video is a new task: submit it again with that format`, { code: 'format-change-needs-new-task' });
  }
}

export interface RawSubmission {
  flow?: unknown;
  article?: unknown;
  prompt?: unknown;
  script?: unknown;
  title?: unknown;
  options?: unknown;
  callback_url?: unknown;
}

/** An article's body as the command line reads it: the file's bytes, so bytes that are not UTF-8 are caught. */
export interface ArticleSource {
  title?: string;
  body: string | Buffer;
}

export interface SubmissionContext {
  /** The speech providers whose voices a request may ask for. */
  speech: readonly SpeechProvider[];
  /** The article's file name, whose extension says its format (command line). */
  filename?: string;
  /** The fields an entry point does not take (the command line has no `callback_url`). */
  without?: readonly string[];
}

export interface TaskInput {
  article?: { title?: string; body: string };
  /** What a prompt flow's planner writes scenes from. */
  prompt?: string;
  script?: { title?: string; language?: string; scenes: Array<{ text: string; keywords?: string[] }> };
  options: Record<string, unknown>;
}

export interface ValidSubmission {
  /** As given; undefined lets the router choose. */
  flow?: string;
  input: TaskInput;
  /** Given, else the article's or script's own; null when there is none. */
  title: string | null;
  callbackUrl: string | null;
}

export async function validateSubmission(raw: unknown, ctx: SubmissionContext): Promise<ValidSubmission> {
  const body = objectOf(raw, 'the request');
  const allowed = FIELDS.filter((f) => !ctx.without?.includes(f));
  for (const key of Object.keys(body)) {
    if (!(allowed as readonly string[]).includes(key)) throw new InvalidBodyError(key, `unknown field "${key.slice(0, 40)}"; the fields are ${allowed.join(', ')}`);
  }
  const b = body as RawSubmission;
  const flow = optionalString(b.flow, 'flow', 64);
  if (flow !== undefined && !FLOW_NAME.test(flow)) throw new InvalidBodyError('flow', 'flow must be a flow name (lower case letters, digits and hyphens)');
  const title = optionalString(b.title, 'title', MAX_TITLE_CHARS)?.trim() || undefined;
  const callbackUrl = optionalString(b.callback_url, 'callback_url', 2048);
  if (callbackUrl !== undefined && !/^https?:\/\//.test(callbackUrl)) throw new InvalidBodyError('callback_url', 'callback_url must be an http or https URL');

  const sources = (['article', 'prompt', 'script'] as const).filter((f) => b[f] !== undefined);
  if (sources.length !== 1) {
    throw new InvalidBodyError(sources[1] ?? 'article', sources.length === 0
      ? 'the body needs "article" (with "body"), "prompt" or "script" (with "scenes")'
      : `give one of "article", "prompt" and "script", not ${sources.join(' and ')}`);
  }
  const options = await validateOptions(b.options, ctx);
  const input: TaskInput = { options };
  let found: string | undefined;
  if (b.article !== undefined) {
    const article = articleOf(b.article);
    const parsed = parseArticle(article.body, { ...(article.title ? { title: article.title } : {}), ...(ctx.filename ? { filename: ctx.filename } : {}) });
    found = parsed.title || undefined;
    input.article = { ...(article.title ? { title: article.title } : {}), body: typeof article.body === 'string' ? article.body : article.body.toString('utf8') };
  } else if (b.script !== undefined) {
    input.script = scriptOf(b.script);
    found = input.script.title?.trim() || undefined;
  } else {
    input.prompt = checkPrompt(b.prompt);
  }
  return { ...(flow !== undefined ? { flow } : {}), input, title: taskTitle(input, title ?? found ?? null), callbackUrl: callbackUrl ?? null };
}

/**
 * Options, names and values, in the shape stored with the task. `only`
 * limits the names (a resume takes only what it can change); a voice is
 * checked against the speech providers.
 */
export async function validateOptions(raw: unknown, ctx: Pick<SubmissionContext, 'speech'>, only: readonly string[] = OPTION_NAMES): Promise<Record<string, unknown>> {
  if (raw === undefined) return {};
  const options = objectOf(raw, 'options');
  for (const [name, value] of Object.entries(options)) {
    if (!only.includes(name)) {
      const what = only === OPTION_NAMES ? 'unknown option' : 'an option that cannot be changed here';
      throw new BadOptionError(name.slice(0, 40), `${what} "${name.slice(0, 40)}"; the options are ${only.join(', ')}`);
    }
    const wanted = OPTION_CHECKS[name]!(value);
    if (wanted !== undefined) throw new BadOptionError(name, `option ${name} must be ${wanted} (got ${describe(value)})`);
  }
  // The size's own rules (even numbers, bounds) are the frame's.
  if (options.size !== undefined) frameFor({ size: options.size });
  if (typeof options.voice === 'string') await chooseVoice(options.voice, ctx.speech);
  return { ...options };
}

function articleOf(value: unknown): ArticleSource {
  const article = objectOf(value, 'article');
  for (const key of Object.keys(article)) {
    if (key !== 'title' && key !== 'body') throw new InvalidBodyError(`article.${key}`, `unknown field "article.${key.slice(0, 40)}"; an article has title and body`);
  }
  const body = article.body;
  if (body === undefined) throw new InvalidBodyError('article.body', 'article needs a "body" (the text)');
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) throw new InvalidBodyError('article.body', `article.body must be a string (got ${describe(body)})`);
  const title = optionalString(article.title, 'article.title', MAX_TITLE_CHARS);
  return { ...(title ? { title } : {}), body };
}

function scriptOf(value: unknown): NonNullable<TaskInput['script']> {
  const script = objectOf(value, 'script');
  const title = optionalString(script.title, 'script.title', MAX_TITLE_CHARS);
  const language = optionalString(script.language, 'script.language', 16);
  if (!Array.isArray(script.scenes)) throw new InvalidBodyError('script.scenes', 'script needs "scenes", a list of { "text", "keywords"? }');
  const scenes = script.scenes.map((s: unknown, i) => {
    const scene = objectOf(s, `script.scenes[${i}]`);
    const text = optionalString(scene.text, `script.scenes[${i}].text`, MAX_SCENE_TEXT_CHARS);
    const keywords = scene.keywords;
    if (keywords !== undefined && !(Array.isArray(keywords) && keywords.every((k) => typeof k === 'string'))) {
      throw new InvalidBodyError(`script.scenes[${i}].keywords`, `script.scenes[${i}].keywords must be a list of strings`);
    }
    return { text: text ?? '', ...(keywords ? { keywords: keywords as string[] } : {}) };
  });
  if (scenes.length === 0 || scenes.length > MAX_SCRIPT_SCENES || scenes.some((s) => s.text.trim() === '')) throw new InvalidScriptError(scenes.length, MAX_SCRIPT_SCENES);
  return { ...(title ? { title } : {}), ...(language ? { language } : {}), scenes };
}

/** A prompt is held to an article's rules of text: something to say, not binary, not too long. */
function checkPrompt(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidBodyError('prompt', `prompt must be a string (got ${describe(value)})`);
  if (value.length > MAX_PROMPT_CHARS) throw new ArticleTooLongError(value.length, MAX_PROMPT_CHARS, 'input');
  parseArticle(value, { format: 'text' });
  return value.trim();
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new InvalidBodyError(what, `${what} must be a JSON object (got ${describe(value)})`);
  }
  return value as Record<string, unknown>;
}

function optionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidBodyError(field, `${field} must be a string (got ${describe(value)})`);
  if (value.length > max) throw new InvalidBodyError(field, `${field} is longer than ${max} characters`);
  return value;
}

/** A value's type, and the value itself when it is short: never long input echoed back. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value.length <= 20 ? JSON.stringify(value) : 'a long string';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

/**
 * The options a resume changes, checked against the task's stored input:
 * only those in `RESUME_OPTION_NAMES` (and `format` when it stays the same,
 * which is dropped); a new format is a new task. Changing options while
 * resuming one scene is refused: a scene's render reads none of them, the
 * voice and music are made for the whole task. Undefined: nothing changes.
 */
export async function resumeChanges(
  stored: unknown,
  raw: unknown,
  ctx: Pick<SubmissionContext, 'speech'> & { scene?: number | undefined; resumed?: ResumedPart | undefined },
): Promise<Record<string, unknown> | undefined> {
  if (raw === undefined) return undefined;
  const given = { ...objectOf(raw, 'options') };
  const current = ((stored as { options?: Record<string, unknown> } | null | undefined)?.options ?? {});
  if (given.format !== undefined) {
    const was = typeof current.format === 'string' ? current.format : DEFAULT_FORMAT;
    if (given.format !== was) throw new FormatChangeError(was, typeof given.format === 'string' ? given.format.slice(0, 20) : describe(given.format));
    delete given.format;
  }
  const changes = await validateOptions(given, ctx, RESUME_OPTION_NAMES);
  if (Object.keys(changes).length === 0) return undefined;
  if (ctx.scene !== undefined) {
    throw new BadOptionError(Object.keys(changes)[0]!, `options cannot change when resuming one scene (${RESUME_OPTION_NAMES.join(', ')} are made for the whole task): resume from the component that makes them instead`);
  }
  if (ctx.resumed) checkRunsAgain(changes, ctx.resumed);
  return changes;
}

/** The task's flow and the component a resume starts from: what runs again. */
export interface ResumedPart {
  flow: Pick<CompiledFlow, 'components' | 'byName'>;
  from: string;
}

/**
 * The handlers that read each option a resume may change, one of which must
 * run again. The tone is also read by SpeechSynthesis and MusicSelector,
 * which follow it when they run again; SubtitleBuilder runs after them all.
 */
const OPTION_READERS: Readonly<Record<string, readonly string[]>> = {
  voice: ['speech.synthesize'],
  music: ['music.select'],
  captions: ['subtitle.build'],
  tone: ['subtitle.build', 'video.synthesize'],
};

/**
 * A changed option must reach what reads it: changing the voice while
 * resuming only from VideoSynthesis would store a voice the video does not
 * have. An unknown `from` is left to the engine to refuse.
 */
function checkRunsAgain(changes: Readonly<Record<string, unknown>>, part: ResumedPart): void {
  const from = part.flow.byName.get(part.from);
  if (!from) return;
  const again = new Set([from.name, ...from.downstream]);
  for (const name of Object.keys(changes)) {
    const readers = part.flow.components.filter((c) => OPTION_READERS[name]?.includes(c.handler));
    // Every reader: the tone picks the captions (SubtitleBuilder) and the transitions (VideoSynthesis) alike.
    const missed = readers.filter((c) => !again.has(c.name));
    if (missed.length > 0) {
      throw new BadOptionError(name, `changing ${name} needs ${missed.map((c) => c.name).join(', ')} to run again: resume from ${missed[0]!.name} or a component upstream of it`);
    }
  }
}
