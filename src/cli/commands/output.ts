import type { Command } from 'commander';
import { outputView, retryOutput } from '../../product/service.ts';
import { compileSettings } from '../../settings.ts';
import { UsageError } from '../exit.ts';
import { json, type Output, table } from '../output.ts';
import { openProductDeps, refusal, resolveId } from './product-deps.ts';

/** `slotflow output show ID` and `output retry ID --from STAGE [--scene N]`: outputs of products. */

export function registerOutputCommands(program: Command, io: Output): void {
  const output = program.command('output').description('outputs of products: show, retry');

  output
    .command('show')
    .description('the output: status, stage, scenes, assets and the download')
    .argument('<id>', 'output id, or a unique prefix of it (8 characters or more)')
    .option('--json', 'print JSON')
    .action(async (given: string, opts: { json?: boolean }) => {
      const deps = openProductDeps(compileSettings());
      try {
        const view = await outputView(deps, await resolveId(deps, given, 'output')).catch((e: unknown) => {
          throw refusal(e, io, opts.json === true);
        });
        if (opts.json) {
          io.out(json(view));
          return;
        }
        io.out(`output ${view.id}  product ${view.product}  ${view.mode}  ${view.phase} / ${view.status}  stage ${view.stage}`);
        const download = view.video ?? view.bundle;
        if (download) io.out(`download ${download}`);
        if (view.error) io.out(`error ${view.error.component}: ${view.error.message}`);
        if (view.scenes.length > 0) {
          io.out('');
          const rows = view.scenes.map((s) => [String(s.scene), s.status, s.image ? String(s.image.id) : '', s.scores && typeof s.scores.score === 'number' ? s.scores.score.toFixed(2) : '']);
          for (const line of table(['SCENE', 'STATUS', 'IMAGE', 'SCORE'], rows, new Set([0]))) io.out(line);
        }
      } finally {
        await deps.close();
      }
    });

  output
    .command('retry')
    .description('run a finished output again from a stage (and only one scene with --scene)')
    .argument('<id>', 'output id, or a unique prefix of it (8 characters or more)')
    .requiredOption('--from <stage>', 'the stage: a kebab-case component name of the output\'s flow or its scene flow (storyboard, scene-image, bundle)')
    .option('--scene <n>', 'only this scene (from 1)')
    .option('--json', 'print JSON')
    .action(async (given: string, opts: { from: string; scene?: string; json?: boolean }) => {
      const scene = opts.scene === undefined ? undefined : Number(opts.scene);
      if (scene !== undefined && !(Number.isInteger(scene) && scene >= 1)) throw new UsageError('--scene takes a scene number from 1', { code: 'invalid-option' });
      const deps = openProductDeps(compileSettings());
      try {
        const id = await resolveId(deps, given, 'output');
        const body = { contract: 'output-retry/1', from: opts.from, ...(scene !== undefined ? { scene } : {}) };
        const result = await retryOutput(deps, id, body).catch((e: unknown) => {
          throw refusal(e, io, opts.json === true);
        });
        io.out(opts.json ? json(result) : `${result.id} ${result.status}`);
      } finally {
        await deps.close();
      }
    });
}
