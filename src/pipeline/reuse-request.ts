import type { ReuseRequest } from '../runtime/reuse/request-reuse.ts';
import type { TaskInput } from './submission.ts';

/**
 * What of a pipeline task's input a reuse compares, and what must be equal.
 *
 * The text is what the video says, or what it is asked to say: the prompt,
 * the article's title and body, or the script's scenes (their narration and
 * keywords). Everything else that
 * changes the video must be the same for a reuse, or the answer would be a
 * different video: every option is in the settings key (format, size,
 * voice, duration, tone, captions, music, watermark, style, output), except
 * `reuse` itself; for a script, its language and number of scenes too. The
 * flow version is added by the reuse itself.
 */
export function pipelineReuseRequest(input: unknown): ReuseRequest | undefined {
  const task = input as Partial<TaskInput> | null;
  if (!task || typeof task !== 'object') return undefined;
  // A presenter output (presenter-output/1) carries its script as text and is made of a presenter's identity:
  // not a pipeline request, and never answered with another task's video.
  if ((task as { contract?: unknown }).contract === 'presenter-output/1') return undefined;
  const { reuse, ...settings } = task.options ?? {};
  // A prompt (taken by the prompt flows) is the request itself: "a cup of coffee" is "a coffee cup".
  const prompt = (task as { prompt?: unknown }).prompt;
  let text: string;
  if (typeof prompt === 'string') text = prompt;
  else if (task.article) text = [task.article.title ?? '', task.article.body].join('\n');
  else if (task.script) text = [task.script.title ?? '', ...task.script.scenes.map((s) => [s.text, ...(s.keywords ?? [])].join(' '))].join('\n');
  else return undefined;
  // A script's scenes are cut where it says: the same words in another number of scenes are another video.
  const key = task.script ? { ...settings, script_language: task.script.language ?? null, script_scenes: task.script.scenes.length } : settings;
  return { text, settings: key, enabled: reuse !== false };
}
