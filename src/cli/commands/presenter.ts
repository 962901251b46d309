import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { AssetStore } from '../../adapters/asset-store.ts';
import { loadFlow } from '../../adapters/flow-files.ts';
import { modeTable } from '../../product/modes.ts';
import { connect } from '../../runtime/composition.ts';
import { PRESENTER_ROUTES } from '../../presenter/routes/snapshot.ts';
import { routeTable } from '../../presenter/route-table.ts';
import { createPresenter, createPresenterOutput, type PresenterDeps, presenterView } from '../../presenter/service.ts';
import { compileSettings, type Settings } from '../../settings.ts';
import { FailedExit, UsageError } from '../exit.ts';
import { json, type Output, table } from '../output.ts';
import { refusal, waitUntilEnded } from './product-deps.ts';
import { resolveTaskId, TaskIdError } from '../../runtime/task-ids.ts';

/**
 * `slotflow presenter create PHOTO... --voice-sample FILE --name N`, `presenter show ID`,
 * `presenter output ID --route R --script FILE [--format F]`: the same service the HTTP routes call. `create`
 * stores the photos and the sample in the asset store first (as POST /v1/assets does), then checks and creates.
 */

/** Extensions a stored file keeps; a file named otherwise is stored as `.bin` and judged by its content. */
const KEPT_EXT = /^\.[a-z0-9]{1,5}$/;

export function openPresenterDeps(settings: Settings): PresenterDeps & { close(): Promise<void> } {
  const d = connect(settings);
  return {
    engine: d.engine, reads: d.reads, snapshots: d.store, flows: d.flows, assets: new AssetStore(settings.dataDir),
    resolveFlow: (name) => loadFlow(name, process.cwd(), settings.flowsDir),
    modes: () => modeTable(process.cwd(), settings.flowsDir),
    routes: () => routeTable(process.cwd(), settings.flowsDir),
    close: () => d.close(),
  };
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { code: 'unreadable-file' });
  }
}

async function presenterId(deps: Pick<PresenterDeps, 'reads'>, given: string): Promise<string> {
  try {
    return await resolveTaskId(deps.reads, given);
  } catch (e) {
    if (e instanceof TaskIdError && e.code === 'unknown-task') throw new FailedExit(`no presenter ${given.slice(0, 40)}`, false, 'unknown-presenter');
    throw e;
  }
}

export function registerPresenterCommands(program: Command, io: Output): void {
  const presenter = program.command('presenter').description('presenter videos: a presenter identity from portraits and a voice sample, and its outputs');

  presenter
    .command('create')
    .description('store the photos and the voice sample, check them, create the presenter and print its id')
    .argument('<photos...>', 'portrait photos of one person: JPEG, PNG or WebP, at least 512 px on the short side, 1 to 6')
    .requiredOption('--voice-sample <file>', 'a recording of the presenter speaking (WAV, MP3 or OGG)')
    .requiredOption('--name <name>', "the presenter's name")
    .option('--language <tag>', 'the language the presenter speaks (default en)')
    .option('--idempotency-key <key>', 'the same key gives the same presenter')
    .option('--wait', 'wait until the identity is built')
    .option('--json', 'print JSON')
    .action(async (photos: string[], opts: { voiceSample: string; name: string; language?: string; idempotencyKey?: string; wait?: boolean; json?: boolean }) => {
      const deps = openPresenterDeps(compileSettings());
      try {
        const store = async (file: string) => {
          const ext = path.extname(file).toLowerCase();
          return { file: path.basename(file), asset: path.basename((await deps.assets.putBytes(await readBytes(file), KEPT_EXT.test(ext) ? ext : '.bin')).path) };
        };
        const stored = [];
        for (const file of photos) stored.push(await store(file));
        const body = {
          contract: 'presenter-creation/1', name: opts.name, photos: stored, voice_sample: await store(opts.voiceSample),
          ...(opts.language ? { voice: { language: opts.language } } : {}),
        };
        const created = await createPresenter(deps, body, opts.idempotencyKey ?? null).catch((e: unknown) => {
          throw refusal(e, io, opts.json === true);
        });
        io.out(opts.json ? json(created) : created.id);
        if (opts.wait) await waitUntilEnded(deps, created.id, io, 'presenter');
      } finally {
        await deps.close();
      }
    });

  presenter
    .command('show')
    .description("the presenter: status, voice profile, the identity's asset graph and its outputs")
    .argument('<id>', 'presenter id, or a unique prefix of it (8 characters or more)')
    .option('--json', 'print JSON')
    .action(async (given: string, opts: { json?: boolean }) => {
      const deps = openPresenterDeps(compileSettings());
      try {
        const view = await presenterView(deps, await presenterId(deps, given)).catch((e: unknown) => {
          throw refusal(e, io, opts.json === true);
        });
        if (opts.json) {
          io.out(json(view));
          return;
        }
        io.out(`presenter ${view.id}  ${view.name}  ${view.phase} / ${view.status}`);
        const voice = view.metadata.voice;
        if (voice) io.out(`voice ${voice.voice}  rate ${voice.rate}  pitch ${voice.pitch_semitones} st  (${voice.kind}: ${voice.note})`);
        if (view.assets.length > 0) {
          io.out('');
          for (const line of table(['ASSET', 'KIND', 'STAGE', 'PROVIDER', 'INPUTS'], view.assets.map((a) => [String(a.id), a.kind, a.stage, a.provider, a.inputs.join(', ')]), new Set([0]))) io.out(line);
        }
        if (view.outputs.length > 0) {
          io.out('');
          for (const line of table(['OUTPUT', 'ROUTE', 'STATUS'], view.outputs.map((o) => [o.id, o.route, o.status]))) io.out(line);
        }
      } finally {
        await deps.close();
      }
    });

  presenter
    .command('output')
    .description('request a video of a presenter on one route and print its id')
    .argument('<id>', 'presenter id, or a unique prefix of it (8 characters or more)')
    .requiredOption('--route <route>', PRESENTER_ROUTES.join(', '))
    .requiredOption('--script <file>', 'the script: what the presenter says (a blank line starts a scene)')
    .option('--format <format>', '16:9, 9:16 or 1:1')
    .option('--size <WxH>', 'a smaller frame, for previews')
    .option('--captions <style>', 'sentence, karaoke or pop')
    .option('--tone <tone>', 'calm, upbeat, serious or playful')
    .option('--idempotency-key <key>', 'the same key gives the same output')
    .option('--wait', 'wait until the output is done')
    .option('--json', 'print JSON')
    .action(async (given: string, opts: { route: string; script: string; format?: string; size?: string; captions?: string; tone?: string; idempotencyKey?: string; wait?: boolean; json?: boolean }) => {
      const script = (await readBytes(opts.script)).toString('utf8');
      const deps = openPresenterDeps(compileSettings());
      try {
        const id = await presenterId(deps, given);
        const options = { ...(opts.format ? { format: opts.format } : {}), ...(opts.size ? { size: opts.size } : {}), ...(opts.captions ? { captions: opts.captions } : {}), ...(opts.tone ? { tone: opts.tone } : {}) };
        const body = { contract: 'presenter-output/1', route: opts.route, script, ...(Object.keys(options).length > 0 ? { options } : {}) };
        const created = await createPresenterOutput(deps, id, body, opts.idempotencyKey ?? null).catch((e: unknown) => {
          throw refusal(e, io, opts.json === true);
        });
        io.out(opts.json ? json(created) : created.id);
        if (opts.wait) await waitUntilEnded(deps, created.id, io, 'output');
      } finally {
        await deps.close();
      }
    });
}
