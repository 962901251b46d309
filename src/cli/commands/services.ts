import type { Command } from 'commander';
import { migrateDatabase } from '../../adapters/mysql/connection.ts';
import { AssetStore } from '../../adapters/asset-store.ts';
import { collectGarbage, DEFAULT_GC } from '../../runtime/gc.ts';
import { DEFAULT_RETENTION, purgeFinishedHistory } from '../../runtime/retention.ts';
import type { SegmentEncoder } from '../../adapters/ffmpeg/index.ts';
import { mediaFromSettings } from '../../pipeline/providers.ts';
import { HandlerRegistry } from '../../handlers/registry.ts';
import { connect, type Distributed, fullRegistry, startScheduler, startWorker } from '../../runtime/composition.ts';
import { installedFlows } from '../../adapters/flow-files.ts';
import { SlotflowError } from '../../core/errors.ts';
import { checkFamilies } from '../../runtime/worker-queues.ts';
import { compileSettings, type Settings } from '../../settings.ts';
import { startHttp } from '../../http/start.ts';
import { UsageError } from '../exit.ts';
import type { Output } from '../output.ts';

/** The long-running processes: scheduler, worker, all; and migrate. */

/**
 * Starts the service and runs until SIGINT or SIGTERM. The first signal lets
 * running jobs finish (their answers commit before the connections close); a
 * second one aborts them, which kills their children (ffmpeg, espeak-ng) and
 * hands the jobs back to the queue. Either way the process ends with no child
 * of `media` left.
 */
async function runUntilSignal(
  io: Output,
  what: string,
  start: (d: Distributed, settings: Settings, shutdown: AbortSignal) => Promise<{ url?: string } | void>,
  media?: SegmentEncoder,
): Promise<void> {
  const settings = compileSettings();
  const d = connect(settings);
  const shutdown = new AbortController();
  let stop!: (signal: string) => void;
  const stopping = new Promise<string>((resolve) => (stop = resolve));
  let signals = 0;
  // One listener for the whole run, never `once`: execa's exit hook re-raises a
  // signal that finds no other listener, which would kill the process mid-shutdown.
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) return stop(signal);
    io.err(`slotflow ${what}: ${signal}, aborting running jobs`);
    shutdown.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let started;
    try {
      started = await start(d, settings, shutdown.signal);
    } catch (e) {
      // A service that cannot start in full does not run in part: whatever it opened is released, so the process ends.
      await d.close();
      throw e;
    }
    if (started?.url) io.err(`slotflow ${what} listening on ${started.url}`);
    io.err(`slotflow ${what} running (pid ${process.pid}, queue prefix ${settings.queuePrefix})`);
    const signal = await stopping;
    io.err(`slotflow ${what}: ${signal}, finishing running jobs (signal again to abort them)`);
    await d.close();
  } finally {
    shutdown.abort();
    await media?.runner.settled();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A number of days, 0 or more (fractions allowed), for a `gc` option. */
function dayCount(option: string, raw: string): number {
  const days = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(days) || days < 0) throw new UsageError(`${option} takes a number of days, 0 or more (got ${JSON.stringify(raw)})`);
  return days;
}

function handlerList(registry: HandlerRegistry, option: string | undefined): string[] {
  if (!option) return registry.names();
  const names = option.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !registry.has(n));
  if (unknown.length > 0) throw new UsageError(`unknown handler(s): ${unknown.join(', ')} (known: ${registry.names().join(', ')})`);
  return names;
}

/** `--queues a,b`: each a valid family name some flow file (or the engine) knows, checked before connecting. */
function familyList(option: string | undefined, flowsDir: string | undefined): string[] | undefined {
  if (option === undefined) return undefined;
  const names = [...new Set(option.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw new UsageError('--queues takes a comma-separated list of queue families (got an empty list)');
  try {
    checkFamilies(names, installedFlows(process.cwd(), flowsDir).map((f) => f.document));
  } catch (e) {
    if (e instanceof SlotflowError) throw new UsageError(e.message, { code: e.code, cause: e });
    throw e;
  }
  return names;
}

export function registerServiceCommands(program: Command, io: Output): void {
  program
    .command('migrate')
    .description('create or upgrade the MySQL schema')
    .action(async () => {
      const settings = compileSettings();
      await migrateDatabase(settings.mysqlUrl);
      io.out(`migrated ${new URL(settings.mysqlUrl).pathname.slice(1)}`);
    });

  program
    .command('gc')
    .description('delete the history of tasks finished more than SLOTFLOW_RETAIN_DAYS ago, assets that only failed, cancelled or abandoned tasks made, and stale scratch files')
    .option('--dry-run', 'only count and list what would be removed')
    .option('--abandoned-days <n>', 'a queued or running task idle this many days is abandoned', '7')
    .option('--retain-days <n>', 'finished tasks keep their events and run rows this many days (default: SLOTFLOW_RETAIN_DAYS)')
    .action(async (opts: { dryRun?: boolean; abandonedDays: string; retainDays?: string }) => {
      const abandonedDays = dayCount('--abandoned-days', opts.abandonedDays);
      const settings = compileSettings();
      const retainDays = opts.retainDays === undefined ? settings.retainDays : dayCount('--retain-days', opts.retainDays);
      const dryRun = opts.dryRun === true;
      const d = connect(settings);
      try {
        const history = await purgeFinishedHistory(d.store, { ...DEFAULT_RETENTION, retainDays, dryRun });
        const report = await collectGarbage(d.store, new AssetStore(settings.dataDir), {
          ...DEFAULT_GC, abandonedAfterMs: abandonedDays * 24 * 3600 * 1000, dryRun,
        });
        for (const f of [...report.assets, ...report.scratch]) io.out(`${dryRun ? 'would remove' : 'removed'} ${f}`);
        const rows = history.rows;
        io.out(`${dryRun ? 'would delete' : 'deleted'} the history of ${history.tasks} task(s) finished over ${retainDays} day(s) ago`
          + ` and ${history.children} child task(s): ${rows.events} event(s), ${rows.runs} run(s), ${rows.webhookAttempts} webhook attempt(s),`
          + ` ${rows.rejections} rejection(s), ${rows.requestVectors} request vector(s)`);
        io.out(`${report.assets.length} asset(s), ${report.scratch.length} scratch file(s), ${(report.bytes / 1e6).toFixed(1)} MB`);
      } finally {
        await d.close();
      }
    });

  program
    .command('serve')
    .description('the HTTP API (callbacks, task control) on SLOTFLOW_HTTP_ADDR')
    .action(async () => {
      const settings = compileSettings();
      await migrateDatabase(settings.mysqlUrl);
      return runUntilSignal(io, 'serve', async (d, s) => ({ url: (await startHttp(d, s)).url }));
    });

  program
    .command('scheduler')
    .description('run the scheduler and the sweeper')
    .action(() => runUntilSignal(io, 'scheduler', (d, s) => startScheduler(d, s, (e) => io.err(`sweeper: ${String(e)}`))));

  program
    .command('worker')
    .description('run component workers')
    .option('--queues <families>', 'comma-separated queue families (default: every family); with --handlers, only those handlers in these families')
    .option('--handlers <names>', 'comma-separated handler names (default: all registered)')
    .option('--concurrency <n>', 'jobs at once per queue')
    .action((opts: { queues?: string; handlers?: string; concurrency?: string }) => {
      const settings = compileSettings();
      const families = familyList(opts.queues, settings.flowsDir);
      const media = mediaFromSettings(settings);
      const registry = fullRegistry(settings, media);
      const handlers = opts.handlers === undefined ? undefined : handlerList(registry, opts.handlers);
      return runUntilSignal(io, 'worker', async (d, s, shutdown) => {
        const queues = await startWorker(d, s, registry, {
          ...(handlers ? { handlers } : {}), ...(families ? { families } : {}), ...(opts.concurrency ? { concurrency: Number(opts.concurrency) } : {}), shutdown,
        });
        if (queues.length === 0) io.err('slotflow worker: warning: no registered handler has a queue in these families and handlers; this worker serves nothing');
        else if (families) io.err(`slotflow worker serving ${queues.length} queue(s) of ${families.join(', ')}: ${queues.map((q) => `${q.family}/${q.handler}`).join(', ')}`);
      }, media);
    });

  program
    .command('all')
    .description('the HTTP API, the scheduler and workers in one process')
    .action(async () => {
      const settings = compileSettings();
      await migrateDatabase(settings.mysqlUrl);
      const media = mediaFromSettings(settings);
      const registry = fullRegistry(settings, media);
      return runUntilSignal(io, 'all', async (d, s, shutdown) => {
        const { url } = await startHttp(d, s);
        await startScheduler(d, s, (e) => io.err(`sweeper: ${String(e)}`));
        await startWorker(d, s, registry, { shutdown });
        return { url };
      }, media);
    });
}
