import type { Command } from 'commander';
import { outputView, retryOutput } from '../../product/service.ts';
import { APPROVAL_STAGES } from '../../presenter/approvals.ts';
import { approveOutput, isPresenterOutput, presenterOutputView } from '../../presenter/service.ts';
import { compileSettings } from '../../settings.ts';
import { UsageError } from '../exit.ts';
import { json, type Output, table } from '../output.ts';
import { openPresenterDeps } from './presenter.ts';
import { refusal, resolveId } from './product-deps.ts';

/**
 * `slotflow output show ID`, `output retry ID --from STAGE [--scene N]` and `output approve ID STAGE [--reject
 * REASON]`: outputs of products and presenters (approvals are presenter outputs' only).
 */

export function registerOutputCommands(program: Command, io: Output): void {
  const output = program.command('output').description('outputs of products and presenters: show, retry, approve');

  output
    .command('show')
    .description('the output: status, stage, scenes, assets and the download')
    .argument('<id>', 'output id, or a unique prefix of it (8 characters or more)')
    .option('--json', 'print JSON')
    .action(async (given: string, opts: { json?: boolean }) => {
      const deps = openPresenterDeps(compileSettings());
      try {
        const id = await resolveId(deps, given, 'output');
        if (await isPresenterOutput(deps, id)) {
          const view = await presenterOutputView(deps, id).catch((e: unknown) => {
            throw refusal(e, io, opts.json === true);
          });
          if (opts.json) {
            io.out(json(view));
            return;
          }
          io.out(`output ${view.id}  presenter ${view.presenter}  ${view.route}  ${view.phase} / ${view.status}  stage ${view.stage}`);
          if (view.waiting_for) io.out(`waiting for ${view.waiting_for} approval: slotflow output approve ${view.id.slice(0, 8)} ${view.waiting_for} [--reject REASON]`);
          if (view.video) io.out(`download ${view.video}`);
          if (view.error) io.out(`error ${view.error.component}: ${view.error.message}`);
          for (const a of view.approvals) io.out(`${a.approved ? 'approved' : 'rejected'} ${a.stage}${a.reason ? `: ${a.reason}` : ''}`);
          if (view.scenes.length > 0) {
            io.out('');
            const rows = view.scenes.map((s) => [String(s.scene), s.status, s.kind ?? '', s.pose ?? '', String(s.take)]);
            for (const line of table(['SCENE', 'STATUS', 'KIND', 'POSE', 'TAKE'], rows, new Set([0, 4]))) io.out(line);
          }
          return;
        }
        const view = await outputView(deps, id).catch((e: unknown) => {
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
      const deps = openPresenterDeps(compileSettings());
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

  output
    .command('approve')
    .description("approve the stage a presenter output waits at, or reject it with a reason: that stage is made again")
    .argument('<id>', 'output id, or a unique prefix of it (8 characters or more)')
    .argument('<stage>', APPROVAL_STAGES.join(', '))
    .option('--reject <reason>', 'reject instead, saying why (the stage is made again with the reason)')
    .option('--json', 'print JSON')
    .action(async (given: string, stage: string, opts: { reject?: string; json?: boolean }) => {
      const deps = openPresenterDeps(compileSettings());
      try {
        const id = await resolveId(deps, given, 'output');
        const body = opts.reject === undefined ? { approved: true } : { approved: false, reason: opts.reject };
        const result = await approveOutput(deps, id, stage, body).catch((e: unknown) => {
          throw refusal(e, io, opts.json === true);
        });
        io.out(opts.json ? json(result) : `${result.id} ${result.status}`);
      } finally {
        await deps.close();
      }
    });
}
