import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { compileFlow } from '../../src/core/flow/compile.ts';
import { isTerminal } from '../../src/core/engine/task.ts';
import { connect, defaultRegistry, type Distributed, startScheduler, startWorker } from '../../src/runtime/composition.ts';
import { taskTitle } from '../../src/pipeline/title.ts';
import { eventually, useFreshEnv } from '../support/env.ts';
import { createTaskWithId } from '../support/tasks.ts';
import { slotflowInProcess, slotflowIntoHead } from '../support/cli.ts';

/**
 * `slotflow task` control commands report a refusal with the code the HTTP
 * API gives it, against the real MariaDB and Redis: cancelling a finished
 * task is `not-cancellable`, an unknown task `unknown-task`.
 */

interface JsonError {
  error: { code: string; message: string };
}

describe('task control from the command line (MariaDB + Redis)', function () {
  this.timeout(90000);
  const env = useFreshEnv();
  // In this process: none of these commands is about processes; `slotflow all` and the pipe into head are children.
  const slotflow = (...args: string[]) => slotflowInProcess(args, env().env);

  it('refuses to cancel a finished task with not-cancellable and exit 1, and leaves it completed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'slotflow-control-'));
    try {
      const article = path.join(dir, 'a.md');
      await writeFile(article, 'One sentence.');
      const submitted = await slotflow('task', 'submit', article, '--flow', 'bench-13', '--json');
      expect(submitted.code, submitted.stderr).to.equal(0);
      const { id } = JSON.parse(submitted.stdout) as { id: string };
      // `slotflow all` (scheduler and workers) in a process group of its own, stopped by its id.
      const worker = execa('node', ['bin/slotflow.js', 'all'], { env: { ...env().env, SLOTFLOW_HTTP_ADDR: '127.0.0.1:0' }, reject: false, detached: true });
      try {
        // Watched from here (a `task show` a poll would start a process each time); the command checks the end below.
        const reads = connect(env().settings);
        try {
          await eventually(`task ${id} to end`, async () => {
            const snap = await reads.store.readTask(id);
            return snap && isTerminal(snap.phase) ? true : undefined;
          }, 60000, 100);
        } finally {
          await reads.close();
        }
      } finally {
        if (worker.pid) process.kill(-worker.pid, 'SIGTERM');
        await worker;
      }
      const cancel = await slotflow('task', 'cancel', id, '--json');
      expect(cancel.code).to.equal(1);
      expect((JSON.parse(cancel.stdout) as JsonError).error.code).to.equal('not-cancellable');
      const shown = JSON.parse((await slotflow('task', 'show', id, '--json')).stdout) as { status: string };
      expect(shown.status).to.equal('done');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports an unknown task as unknown-task with exit 1', async () => {
    for (const command of ['cancel', 'show']) {
      const r = await slotflow('task', command, '00000000-0000-0000-0000-000000000000', '--json');
      expect(r.code, command).to.equal(1);
      expect((JSON.parse(r.stdout) as JsonError).error.code, command).to.equal('unknown-task');
    }
  });

  describe('task ids by unique prefix', () => {
    const one = '1234abcd-0000-4000-8000-000000000001';
    const two = '1234abcd-0000-4000-8000-000000000002';
    const alone = '1234abce-0000-4000-8000-000000000003';
    let d: Distributed;
    before(async () => {
      d = connect(env().settings);
      try {
        for (const id of [one, two, alone]) await createTaskWithId(d, id);
      } finally {
        await d.close();
      }
    });

    it('shows and cancels a task named by a unique prefix, printing its full id', async () => {
      const shown = await slotflow('task', 'show', '1234abce', '--json');
      expect(shown.code, shown.stderr).to.equal(0);
      expect((JSON.parse(shown.stdout) as { id: string }).id).to.equal(alone);
      const cancelled = await slotflow('task', 'cancel', '1234abce-00', '--json');
      expect(cancelled.code, cancelled.stderr).to.equal(0);
      expect(JSON.parse(cancelled.stdout) as { id: string; phase: string }).to.include({ id: alone, phase: 'cancelled' });
    });

    it('refuses a prefix under 8 characters with id-too-short and exit 2', async () => {
      const r = await slotflow('task', 'show', '1234abc', '--json');
      expect(r.code).to.equal(2);
      expect((JSON.parse(r.stdout) as JsonError).error.code).to.equal('id-too-short');
    });

    it('refuses a prefix several ids begin with ambiguous-id and exit 2, naming them', async () => {
      const r = await slotflow('task', 'resume', '1234abcd', '--from', 'Only');
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(one).and.include(two).and.not.include(alone);
    });
  });

  describe('task list', () => {
    const parent = '5678abcd-0000-4000-8000-000000000001';
    const child = '5678abcd-0000-4000-8000-000000000002';
    before(async () => {
      const d = connect(env().settings);
      try {
        await createTaskWithId(d, parent, { title: 'A parent task' });
        await createTaskWithId(d, child, { parentId: parent });
      } finally {
        await d.close();
      }
    });
    const listed = async (...args: string[]) => {
      const r = await slotflow('task', 'list', '--limit', '200', '--json', ...args);
      expect(r.code, r.stderr).to.equal(0);
      return (JSON.parse(r.stdout) as Array<{ id: string; title: string | null; parent_id: string | null }>);
    };

    it('hides fan-out children unless --all', async () => {
      const ids = (await listed()).map((t) => t.id);
      expect(ids).to.include(parent).and.not.include(child);
      const all = await listed('--all');
      expect(all.map((t) => t.id)).to.include(parent).and.include(child);
      expect(all.find((t) => t.id === child)!.parent_id).to.equal(parent);
    });

    it('filters by a phase or a module status, and shows the title', async () => {
      const queued = await listed('--status', 'queued');
      expect(queued.find((t) => t.id === parent)?.title).to.equal('A parent task');
      expect((await listed('--status', 'waiting')).map((t) => t.id)).to.include(parent);
      expect((await listed('--status', 'completed')).map((t) => t.id)).to.not.include(parent);
    });

    it('refuses an unknown --status with exit 2 and invalid-option, listing the valid ones', async () => {
      const r = await slotflow('task', 'list', '--status', 'finished');
      expect(r.code).to.equal(2);
      for (const word of ['queued', 'running', 'completed', 'failed', 'cancelled', 'waiting', 'done']) expect(r.stderr).to.include(word);
      const j = await slotflow('task', 'list', '--status', 'finished', '--json');
      expect((JSON.parse(j.stdout) as JsonError).error.code).to.equal('invalid-option');
    });

    it('ends quietly when piped into head', async () => {
      for (const args of [['task', 'list'], ['task', 'list', '--json'], ['task', 'show', parent]]) {
        const r = await slotflowIntoHead(args, env().env);
        expect(r.stderr, args.join(' ')).to.equal('');
        expect(r.code, args.join(' ')).to.equal(0);
      }
    });
  });

  describe('titles and files in task show', () => {
    it('submits with the --title given, else the article heading, and task show prints it', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'slotflow-title-'));
      try {
        const article = path.join(dir, 'a.md');
        await writeFile(article, '# Harbour seals\n\nThey rest on sandbanks at low tide.');
        const ids: string[] = [];
        for (const extra of [['--title', 'Seals, the short cut'], []]) {
          const r = await slotflow('task', 'submit', article, '--flow', 'bench-13', '--json', ...extra);
          expect(r.code, r.stderr).to.equal(0);
          ids.push((JSON.parse(r.stdout) as { id: string }).id);
        }
        const titles = [];
        for (const id of ids) titles.push((JSON.parse((await slotflow('task', 'show', id, '--json')).stdout) as { title: string }).title);
        expect(titles).to.deep.equal(['Seals, the short cut', 'Harbour seals']);
        const shown = await slotflow('task', 'show', ids[1]!.slice(0, 8));
        expect(shown.stdout.split('\n')).to.include('title Harbour seals');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("prints the paths of the files a finished task made", async () => {
      const { settings } = env();
      const video = path.join(settings.dataDir, 'out', 'final.mp4');
      const srt = path.join(settings.dataDir, 'out', 'final.srt');
      const registry = defaultRegistry().register('test.video', async () => ({ video, srt }));
      const flow = compileFlow({
        flow: 'made-files', version: 1,
        modules: [{ module_name: 'Make', status: 'making', next_status: 'made', components: [{ component_name: 'Final', slot_index: 0, depends: [], handler: 'test.video' }] }],
      });
      const d = connect(settings);
      let id: string;
      try {
        await startScheduler(d, settings);
        await startWorker(d, settings, registry);
        const input = { article: { body: 'Files made by a test handler.' } };
        id = (await d.engine.submit({ flow, input, title: taskTitle(input) })).id;
        await eventually(`task ${id} to finish`, async () => {
          const snap = await d.store.readTask(id);
          return snap && isTerminal(snap.phase) ? snap : undefined;
        });
      } finally {
        await d.close();
      }
      const shown = await slotflow('task', 'show', id);
      expect(shown.code, shown.stderr).to.equal(0);
      const lines = shown.stdout.split('\n');
      expect(lines).to.include('title Files made by a test handler.');
      expect(lines).to.include(`video      ${video}`);
      expect(lines).to.include(`subtitles  ${srt}`);
    });
  });
});
