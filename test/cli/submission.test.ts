import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { main } from '../../src/cli/main.ts';
import { useFreshEnv } from '../support/env.ts';

/**
 * `slotflow render` and `slotflow task submit` refuse what `POST /v1/tasks`
 * refuses, with the same codes under `--json` and exit 2, before anything
 * runs; `task resume` refuses another format, an unknown voice and scene 0.
 * The refusals run the command line in this process (they stop before any
 * service is needed); the resumes need a task, so they run `slotflow` against
 * the real MariaDB.
 */

interface JsonError {
  error: { code: string; message: string };
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'slotflow', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('command line submissions refused like the API refuses them', function () {
  this.timeout(60000);
  let dir: string;
  const files: Record<string, string | Buffer> = {
    'ok.md': '# Tea\n\nTea is an old drink. People drink it every day.',
    'empty.md': '  \n\n\t\n',
    'binary.txt': Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00]),
    'latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6c, 0xe9]),
    'long.txt': 'word '.repeat(12_000),
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slotflow-submission-'));
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string, string[], string, RegExp]> = [
    ['an article with no text', 'empty.md', [], 'article-empty', /no text/],
    ['a binary file', 'binary.txt', [], 'article-binary', /not text/],
    ['bytes that are not UTF-8', 'latin1.txt', [], 'article-binary', /invalid utf8/],
    ['a too long article', 'long.txt', [], 'article-too-long', /limit/],
    ['an unknown format', 'ok.md', ['--format', '4:3'], 'invalid-option', /format must be one of 16:9, 9:16, 1:1/],
    ['an unknown tone', 'ok.md', ['--tone', 'grumpy'], 'invalid-option', /tone must be one of calm, upbeat, serious, playful/],
    ['an unknown caption style', 'ok.md', ['--captions', 'wavy'], 'invalid-option', /captions must be one of sentence, karaoke, pop/],
    ['a duration that is not a number', 'ok.md', ['--duration', 'soon'], 'invalid-option', /duration_s must be a number of seconds/],
    ['an unknown voice', 'ok.md', ['--voice', 'klingon'], 'unknown-voice', /"klingon" is not available here; available: .*espeak-ng:en-us/],
    ['a voice its provider does not have', 'ok.md', ['--voice', 'mespeak:xx'], 'unknown-voice', /available/],
  ];
  for (const command of ['render', 'task submit']) {
    for (const [what, file, flags, code, message] of cases) {
      it(`${command} refuses ${what} with ${code} and exit 2`, async () => {
        const out = path.join(dir, 'out.mp4');
        const args = command === 'render' ? ['render', path.join(dir, file), '-o', out] : ['task', 'submit', path.join(dir, file)];
        const r = await run(...args, ...flags, '--json');
        expect(r.code, r.stderr).to.equal(2);
        const body = JSON.parse(r.stdout) as JsonError;
        expect(body.error.code).to.equal(code);
        expect(body.error.message).to.match(message);
        expect(r.stderr).to.contain(body.error.message);
      });
    }
  }

  it('render refuses a flow that does not exist with unknown-flow and exit 2', async () => {
    const r = await run('render', path.join(dir, 'ok.md'), '-o', path.join(dir, 'out.mp4'), '--flow', 'no-such-flow', '--json');
    expect(r.code).to.equal(2);
    expect((JSON.parse(r.stdout) as JsonError).error.code).to.equal('unknown-flow');
  });

  for (const command of ['render', 'task submit']) {
    const head = command === 'render' ? ['render', '-o', 'never.mp4'] : ['task', 'submit'];
    it(`${command} refuses an empty --prompt with article-empty, and a --prompt for a flow without a planner with prompt-not-supported`, async () => {
      const empty = await run(...head, '--prompt', '   ', '--json');
      expect(empty.code, empty.stderr).to.equal(2);
      expect((JSON.parse(empty.stdout) as JsonError).error.code).to.equal('article-empty');
      const wrong = await run(...head, '--prompt', 'An ad for tea', '--flow', 'bench-13', '--json');
      expect(wrong.code, wrong.stderr).to.equal(2);
      const error = (JSON.parse(wrong.stdout) as JsonError).error;
      expect(error.code).to.equal('prompt-not-supported');
      expect(error.message).to.match(/bench-13 does not take a prompt/);
    });
  }

  it('task resume refuses scene 0 and a negative scene with invalid-option before connecting', async () => {
    for (const scene of ['0', '-2', 'one']) {
      const r = await run('task', 'resume', '00000000-0000-0000-0000-000000000000', '--from', 'SceneRender', '--scene', scene, '--json');
      expect(r.code, scene).to.equal(2);
      expect((JSON.parse(r.stdout) as JsonError).error.code, scene).to.equal('invalid-option');
    }
  });
});

describe('task resume with changed options from the command line (MariaDB + Redis)', function () {
  this.timeout(90000);
  const env = useFreshEnv();
  const slotflow = async (...args: string[]) => {
    const r = await execa('node', ['bin/slotflow.js', ...args], { env: env().env, reject: false });
    return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  it('task submit --prompt creates a prompt-video task titled by the prompt', async () => {
    const submitted = await slotflow('task', 'submit', '--prompt', 'Create a 30-sec ad for a coffee brand', '--tone', 'upbeat', '--json');
    expect(submitted.code, submitted.stderr).to.equal(0);
    const { id } = JSON.parse(submitted.stdout) as { id: string };
    const shown = await slotflow('task', 'show', id, '--json');
    expect(shown.code, shown.stderr).to.equal(0);
    const task = JSON.parse(shown.stdout) as { flow: string; title: string; planner: unknown };
    expect(task).to.include({ flow: 'prompt-video', title: 'Create a 30-sec ad for a coffee brand' });
    // Nothing has run: no worker serves this database.
    expect(task.planner).to.equal(null);
  });

  it('refuses another format, an unknown voice and a music value that is not true or false, with exit 2', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'slotflow-resume-'));
    try {
      const article = path.join(dir, 'a.md');
      await writeFile(article, 'One sentence here.');
      const submitted = await slotflow('task', 'submit', article, '--flow', 'bench-13', '--format', '9:16', '--json');
      expect(submitted.code, submitted.stderr).to.equal(0);
      const { id } = JSON.parse(submitted.stdout) as { id: string };
      const format = await slotflow('task', 'resume', id, '--from', 'C00', '--format', '1:1', '--json');
      expect(format.code, format.stderr).to.equal(2);
      const formatError = (JSON.parse(format.stdout) as JsonError).error;
      expect(formatError.code).to.equal('format-change-needs-new-task');
      expect(formatError.message).to.match(/new task/);
      const voice = await slotflow('task', 'resume', id, '--from', 'C00', '--voice', 'klingon', '--json');
      expect(voice.code, voice.stderr).to.equal(2);
      expect((JSON.parse(voice.stdout) as JsonError).error.code).to.equal('unknown-voice');
      const music = await slotflow('task', 'resume', id, '--from', 'C00', '--music', 'loud', '--json');
      expect(music.code, music.stderr).to.equal(2);
      expect((JSON.parse(music.stdout) as JsonError).error.code).to.equal('invalid-option');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
