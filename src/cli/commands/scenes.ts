import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { AssetStore } from '../../adapters/asset-store.ts';
import { connect } from '../../runtime/composition.ts';
import { type TakeResult, TaskStateError } from '../../runtime/engine.ts';
import { compileSettings } from '../../settings.ts';
import { UsageError } from '../exit.ts';
import { json, type Output } from '../output.ts';

/**
 * The editor's loop on the command line: `task regenerate` makes a new take
 * of one scene (with changes or without), `task choose` picks the take the
 * video uses. Scenes and takes count from 1; the take runs on the workers.
 */

export const MAX_NARRATION_CHARS = 2000;
const VISUAL_EXTS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.mp4', '.mov', '.webm']);

function ordinal(value: string, option: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1) throw new UsageError(`${option} counts from 1 (got ${value.slice(0, 20)})`, { code: 'invalid-option' });
  return n;
}

async function run(io: Output, id: string, asJson: boolean | undefined, act: (d: ReturnType<typeof connect>) => Promise<TakeResult>): Promise<void> {
  const settings = compileSettings();
  const d = connect(settings);
  try {
    const result = await act(d);
    const out = { id, scene: result.scene + 1, take: result.take, take_task_id: result.taskId };
    if (asJson) io.out(json(out));
    else io.out(`${id} scene ${out.scene} take ${out.take} (${out.take_task_id}): the video is joined again when it is done`);
  } catch (e) {
    if (e instanceof TaskStateError) throw new UsageError(e.message, { code: e.code });
    throw e;
  } finally {
    await d.close();
  }
}

export function registerSceneCommands(task: Command, io: Output): void {
  task
    .command('regenerate')
    .description('a new take of one scene, changed or not; the rest is kept and the video joined again')
    .argument('<id>', 'task id')
    .requiredOption('--scene <n>', 'the scene (from 1)')
    .option('--narration <text>', 'new narration: spoken again, with new subtitles')
    .option('--terms <a,b>', 'search terms for another visual, comma-separated')
    .option('--visual <file>', 'an image or clip of your own for the scene')
    .option('--candidate <k>', 'one of the visuals the scene lists as candidates (from 1)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { scene: string; narration?: string; terms?: string; visual?: string; candidate?: string; json?: boolean }) => {
      const scene = ordinal(opts.scene, '--scene');
      const edits: { narration?: string; terms?: string[]; visual?: string } = {};
      if (opts.narration !== undefined) {
        const narration = opts.narration.trim();
        if (!narration) throw new UsageError('--narration is empty', { code: 'article-empty' });
        if (narration.length > MAX_NARRATION_CHARS) throw new UsageError(`--narration has more than ${MAX_NARRATION_CHARS} characters`, { code: 'article-too-long' });
        edits.narration = narration;
      }
      if (opts.terms !== undefined) {
        const terms = opts.terms.split(',').map((t) => t.trim()).filter(Boolean);
        if (terms.length === 0 || terms.length > 8 || terms.some((t) => t.length > 60)) throw new UsageError('--terms takes 1 to 8 comma-separated terms of up to 60 characters', { code: 'invalid-option' });
        edits.terms = terms;
      }
      if (opts.visual !== undefined && opts.candidate !== undefined) throw new UsageError('give --visual or --candidate, not both', { code: 'invalid-option' });
      if (opts.candidate !== undefined) edits.visual = `candidate:${ordinal(opts.candidate, '--candidate')}`;
      if (opts.visual !== undefined) {
        const ext = path.extname(opts.visual).toLowerCase();
        if (!VISUAL_EXTS.has(ext)) throw new UsageError(`--visual takes ${[...VISUAL_EXTS].join(' ')} files`, { code: 'invalid-option' });
        const bytes = await readFile(opts.visual).catch(() => {
          throw new UsageError(`cannot read ${opts.visual}`, { code: 'invalid-option' });
        });
        // Into the asset store the workers read, under its content's name.
        const stored = await new AssetStore(compileSettings().dataDir).putBytes(bytes, ext === '.jpeg' ? '.jpg' : ext);
        edits.visual = `asset:${path.basename(stored.path)}`;
      }
      await run(io, id, opts.json, (d) => d.engine.regenerateScene(id, scene - 1, edits));
    });

  task
    .command('choose')
    .description('which take of a scene the video uses; the video is joined again')
    .argument('<id>', 'task id')
    .requiredOption('--scene <n>', 'the scene (from 1)')
    .requiredOption('--take <k>', 'the take (from 1)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { scene: string; take: string; json?: boolean }) => {
      const scene = ordinal(opts.scene, '--scene');
      const take = ordinal(opts.take, '--take');
      await run(io, id, opts.json, (d) => d.engine.chooseTake(id, scene - 1, take));
    });
}
