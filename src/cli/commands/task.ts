import type { Command } from 'commander';
import { installedFlows, loadFlow } from '../../adapters/flow-files.ts';
import { isTerminal, TaskPhase } from '../../core/engine/task.ts';
import type { AssetReads } from '../../core/ports/assets.ts';
import type { FlowLookup } from '../../core/ports/flow-versions.ts';
import type { TaskReadModel } from '../../core/ports/read-model.ts';
import { connect, taskOutputs } from '../../runtime/composition.ts';
import { type MutateResult, type TaskControl, TaskStateError, type TaskSubmission } from '../../runtime/engine.ts';
import { describedOutputs, taskView } from '../../runtime/task-view.ts';
import type { DescribedOutputs } from '../../core/ports/outputs.ts';
import { resolveTaskId } from '../../runtime/task-ids.ts';
import { InvalidStatusError, knownStatuses, listFilter, taskListItem } from '../../runtime/task-list.ts';
import { UnknownComponentError } from '../../core/word.ts';
import { compileSettings, type Settings } from '../../settings.ts';
import { readArticle } from '../article.ts';
import { registerSceneCommands } from './scenes.ts';
import { FailedExit, UsageError } from '../exit.ts';
import { json, type Output, table } from '../output.ts';
import { addRequestOptions, addResumeOptions, checkedFlowInput, checkedResumeOptions, checkedSubmission, inputOrPrompt, optionsFromFlags, type RequestFlags } from '../submission.ts';
import { OutputKind } from '../../pipeline/router.ts';
import { speechFromSettings } from '../../pipeline/providers.ts';

const WAIT_POLL_MS = 250;

const BAR_WIDTH = 30;
const NARRATION_COLUMN = 60;

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * What a task command is handed: the read model (status, show, list, the
 * progress bar), the flows tasks pin, and the engine only to submit and to
 * control; the store and queue stay inside the composition root.
 */
interface TaskCommandDeps {
  reads: TaskReadModel & AssetReads;
  flows: FlowLookup;
  engine: TaskSubmission & TaskControl;
  close(): Promise<void>;
}

function openTaskDeps(settings: Settings = compileSettings()): TaskCommandDeps {
  const d = connect(settings);
  return { reads: d.reads, flows: d.flows, engine: d.engine, close: () => d.close() };
}

/** Follows the task's durable event stream (its own and its scenes') and draws a progress bar until it ends. */
async function waitWithProgress(d: Pick<TaskCommandDeps, 'reads' | 'flows'>, id: string, io: Output, quiet: boolean): Promise<void> {
  const tty = process.stderr.isTTY === true;
  let after = 0;
  for (;;) {
    const snap = (await d.reads.readTask(id))!;
    const flow = await d.flows.byHashOrThrow(snap.flowHash);
    const children = await d.reads.listChildren(id);
    const events = await d.reads.listEventsOf([id, ...children.map((c) => c.id)], after, 1000);
    if (events.length > 0) after = events[events.length - 1]!.id;
    if (!quiet && (events.length > 0 || isTerminal(snap.phase))) {
      const done = flow.components.filter((c) => (snap.word & c.successBit) !== 0n).length;
      const filled = Math.round((done / flow.components.length) * BAR_WIDTH);
      const scenes = children.length > 0 ? ` scenes ${children.filter((c) => c.phase === TaskPhase.completed).length}/${children.length}` : '';
      const last = events[events.length - 1];
      const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${flow.components.length} ${snap.status}${scenes}` +
        (last ? `  ${last.type}${last.component ? ` ${last.component}` : ''}` : '');
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else io.err(line);
    }
    if (isTerminal(snap.phase) && children.every((c) => isTerminal(c.phase) || snap.phase !== TaskPhase.running)) {
      if (tty && !quiet) process.stderr.write('\n');
      if (snap.phase !== TaskPhase.completed) {
        throw new FailedExit(`task ${id} ${snap.phase}${snap.error ? `: ${snap.error.component}: ${snap.error.message}` : ''}`, false, snap.error?.code ?? `task-${snap.phase}`);
      }
      return;
    }
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
}

/** `--scene N` counts from 1, as the page and the task JSON do; the engine counts from 0. */
function sceneIndexOf(value: string): number {
  const n = /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--scene takes a scene number from 1 (got ${JSON.stringify(value.slice(0, 20))})`, { code: 'invalid-option' });
  return n - 1;
}

/**
 * What a component is doing, in the words the editors' page uses (web/js/views/task.js): its slot state, or
 * while in flight what it waits on, so the command line and the page never name one state two ways.
 */
function componentLabel(c: { state: string; in_flight: boolean; kind: string }): string {
  if (c.state !== 'pending' || !c.in_flight) return c.state;
  if (c.kind === 'approval') return 'awaiting approval';
  if (c.kind === 'callback') return 'waiting for service';
  if (c.kind === 'fanout') return 'running scenes';
  return 'running';
}

/** The files a finished task made, one line each: the download (video or bundle) first, then the others by role. */
function outputLines(outputs: DescribedOutputs | undefined): string[] {
  const files: Array<[string, string]> = [];
  const download = outputs?.download;
  if (download) files.push([download.contentType === 'video/mp4' ? 'video' : 'bundle', download.path]);
  for (const [role, file] of Object.entries(outputs?.files ?? {})) files.push([role, file]);
  const width = Math.max(0, ...files.map(([role]) => role.length));
  return files.map(([role, file]) => `${role.padEnd(width)}  ${file}`);
}

export function registerTaskCommands(program: Command, io: Output): void {
  const task = program.command('task').description('tasks in MySQL: submit, show, list');

  const submit = task
    .command('submit')
    .description('create a task from an article (or a --prompt) and print its id')
    .argument('[article]', 'article file (Markdown, text or HTML); none with --prompt')
    .option('--flow <flow>', 'flow name (from flows/) or file path (default: article-video, prompt-video for --prompt)');
  addRequestOptions(submit)
    .option('--size <WxH>', 'render smaller than the format (e.g. 540x960), for previews')
    .option('--no-music', 'no background music')
    .option('--title <title>', "what lists show the task by (default: the article's title or first words)")
    .option('--idempotency-key <key>', 'the same key gives the same task')
    .option('--wait', 'show progress until the task is done')
    .option('--json', 'print JSON')
    .action(async (given: string | undefined, opts: RequestFlags & { flow?: string; size?: string; music: boolean; title?: string; idempotencyKey?: string; wait?: boolean; json?: boolean }) => {
      const settings = compileSettings();
      const what = inputOrPrompt(given, opts.prompt);
      const options = optionsFromFlags(opts);
      if (opts.size) options.size = opts.size;
      if (opts.music === false) options.music = false;
      const source = 'file' in what ? { article: readArticle(what.file) } : { prompt: what.prompt };
      const valid = await checkedSubmission({ ...source, options, ...(opts.title !== undefined ? { title: opts.title } : {}) }, { speech: speechFromSettings(settings), ...('file' in what ? { filename: what.file } : {}) });
      const flow = loadFlow(opts.flow ?? ('file' in what ? OutputKind.video : OutputKind.prompt), process.cwd(), settings.flowsDir);
      checkedFlowInput(flow, valid.input);
      const d = openTaskDeps(settings);
      try {
        const created = await d.engine.submit({ flow, input: valid.input, idempotencyKey: opts.idempotencyKey ?? null, title: valid.title });
        const snap = await d.reads.readTask(created.id);
        if (opts.json) io.out(json({ id: created.id, status: snap?.status }));
        else io.out(created.id);
        if (opts.wait) await waitWithProgress(d, created.id, io, opts.json === true);
      } finally {
        await d.close();
      }
    });

  task
    .command('show')
    .description('status, the decoded word, per-component attempts, timings and errors')
    .argument('<id>', 'task id, or a unique prefix of it (8 characters or more)')
    .option('--json', 'print JSON')
    .action(async (given: string, opts: { json?: boolean }) => {
      const d = openTaskDeps();
      try {
        const id = await resolveTaskId(d.reads, given);
        const src = { reads: d.reads, flows: d.flows, outputs: taskOutputs };
        const view = await taskView(src, id);
        if (!view) throw new FailedExit(`no task ${id}`, false, 'unknown-task');
        if (opts.json) {
          io.out(json(view));
          return;
        }
        io.out(`task ${view.id}  flow ${view.flow} v${view.version}  ${view.phase} / ${view.status}`);
        if (view.title) io.out(`title ${view.title}`);
        if (view.reused_from) io.out(`reused the video of task ${view.reused_from}: nothing ran`);
        io.out(`word ${view.slot_word} = ${view.hex}   created ${view.created_at}  updated ${view.updated_at}`);
        if (view.error) io.out(`error ${view.error.component} attempt ${view.error.attempt}: ${view.error.name}: ${view.error.message}`);
        for (const line of outputLines(await describedOutputs(src, id))) io.out(line);
        io.out('');
        const rows = view.components.map((c) => [
          c.module, c.component, String(c.slot), componentLabel(c), String(c.attempts),
          c.duration_ms === null ? '' : `${c.duration_ms} ms`, c.error ? String((c.error as { message?: string }).message ?? '') : '',
        ]);
        for (const line of table(['MODULE', 'COMPONENT', 'SLOT', 'STATE', 'ATTEMPTS', 'TIME', 'ERROR'], rows, new Set([2, 4]))) io.out(line);
        if (view.scenes.length > 0) {
          io.out('');
          const scenes = view.scenes.map((s) => [
            String(s.scene), `${s.take}/${s.takes.length}`, s.status, s.duration_sec === null ? '' : `${s.duration_sec.toFixed(1)} s`,
            s.visual ? `${s.visual.source}${s.visual.term ? ` (${s.visual.term})` : ''}` : '', clip(s.narration ?? '', NARRATION_COLUMN),
          ]);
          for (const line of table(['SCENE', 'TAKE', 'STATUS', 'LENGTH', 'VISUAL', 'NARRATION'], scenes, new Set([0]))) io.out(line);
        }
      } finally {
        await d.close();
      }
    });

  /** Runs a control request on the task `given` names (its id or a unique prefix), and prints the task after it. */
  const control = async (given: string, opts: { json?: boolean }, act: (d: TaskCommandDeps, id: string) => Promise<MutateResult>) => {
    const d = openTaskDeps();
    try {
      const id = await resolveTaskId(d.reads, given);
      const result = await act(d, id);
      if (result && 'rejected' in result) throw new FailedExit(`task ${id}: refused (${result.rejected})`, false, result.rejected);
      const snap = await d.reads.readTask(id);
      if (opts.json) io.out(json({ id, status: snap?.status, phase: snap?.phase, slot_word: snap?.word.toString() }));
      else io.out(`${id} ${snap?.phase} ${snap?.status} 0x${snap?.word.toString(16)}`);
    } catch (e) {
      if (e instanceof TaskStateError || e instanceof UnknownComponentError) throw new UsageError(e.message, { code: e.code });
      throw e;
    } finally {
      await d.close();
    }
  };

  const resume = task
    .command('resume')
    .description('clear a component and everything downstream of it (or one scene of a fan-out) and run again, optionally with changed options')
    .argument('<id>', 'task id, or a unique prefix of it (8 characters or more)')
    .requiredOption('--from <component>', 'the component to run again')
    .option('--scene <n>', 'only this scene (1, 2, …) of the fan-out component');
  addResumeOptions(resume)
    .option('--json', 'print JSON')
    .action((given: string, opts: RequestFlags & { from: string; scene?: string; json?: boolean }) => {
      const scene = opts.scene === undefined ? undefined : sceneIndexOf(opts.scene);
      return control(given, opts, async (d, id) => {
        const stored = await d.reads.getTask(id);
        const resumed = stored && { flow: await d.flows.byHashOrThrow(stored.flowHash), from: opts.from };
        const options = await checkedResumeOptions(opts, stored?.input, { speech: speechFromSettings(compileSettings()), scene, resumed });
        return d.engine.resume(id, opts.from, scene, options);
      });
    });

  registerSceneCommands(task, io);

  task
    .command('approve')
    .description('approve (or with --reject, reject) a waiting approval gate')
    .argument('<id>', 'task id, or a unique prefix of it (8 characters or more)')
    .argument('<component>', 'the approval component')
    .option('--reject <reason>', 'reject with this reason instead')
    .option('--json', 'print JSON')
    .action((given: string, component: string, opts: { reject?: string; json?: boolean }) =>
      control(given, opts, (d, id) => d.engine.decide(id, component, opts.reject === undefined ? { approved: true } : { approved: false, reason: opts.reject })));

  task
    .command('cancel')
    .description('stop dispatching, mark the task cancelled, cancel its children')
    .argument('<id>', 'task id, or a unique prefix of it (8 characters or more)')
    .option('--json', 'print JSON')
    .action((given: string, opts: { json?: boolean }) =>
      control(given, opts, async (d, id) => {
        const result = await d.engine.cancel(id);
        // A task that had already ended is left as it was; saying "cancelled" would not be true.
        const after = await d.reads.readTask(id);
        if (after && after.phase !== TaskPhase.cancelled) {
          throw new FailedExit(`task ${id} has already ended (${after.phase}); nothing to cancel`, false, 'not-cancellable');
        }
        return result;
      }));

  task
    .command('list')
    .description('recent tasks, newest first; fan-out children only with --all')
    .option('--status <status>', 'only tasks in this phase (queued, running, completed, failed, cancelled) or module status')
    .option('--all', 'fan-out children (scenes) too')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: string; all?: boolean; limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit takes a positive integer');
      const settings = compileSettings();
      const d = openTaskDeps(settings);
      try {
        let filter;
        try {
          filter = await listFilter({ status: opts.status, all: opts.all, limit }, () => knownStatuses(installedFlows(process.cwd(), settings.flowsDir), d.reads));
        } catch (e) {
          if (e instanceof InvalidStatusError) throw new UsageError(`--status: ${e.message}`, { code: e.code });
          throw e;
        }
        const rows = (await d.reads.listTasks(filter)).map(taskListItem);
        if (opts.json) {
          io.out(json(rows));
          return;
        }
        const header = ['ID', 'TITLE', 'FLOW', 'PHASE', 'STATUS', 'CREATED', ...(opts.all ? ['PARENT'] : [])];
        const cells = rows.map((r) => [r.id, r.title ?? '', r.flow, r.phase, r.status, r.created_at, ...(opts.all ? [r.parent_id ?? ''] : [])]);
        for (const line of table(header, cells)) io.out(line);
      } finally {
        await d.close();
      }
    });
}
