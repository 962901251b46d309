import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { SETTINGS } from '../../src/settings/table.ts';

/**
 * Settings through the real command line: every command that reads settings
 * refuses a bad value with exit 2 before it connects or renders, and `config`
 * shows each resolved setting, its source and no secret.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VARIABLES = Object.values(SETTINGS).map((s) => s.variable);

/** Only the variables a test gives, so "default" means default and not the test runner's own environment. */
async function slotflow(env: Record<string, string>, ...args: string[]) {
  const result = await execa('node', ['bin/slotflow.js', ...args], {
    cwd: REPO, reject: false, extendEnv: false, timeout: 20000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  return { code: result.exitCode, timedOut: result.timedOut, stdout: String(result.stdout), stderr: String(result.stderr) };
}

describe('settings on the command line', function () {
  this.timeout(60000);

  describe('a bad value exits 2 with one line naming the variable and what it accepts', () => {
    it('SLOTFLOW_WORKER_CONCURRENCY=abc slotflow worker', async () => {
      const { code, stdout, stderr, timedOut } = await slotflow({ SLOTFLOW_WORKER_CONCURRENCY: 'abc' }, 'worker');
      expect(timedOut).to.equal(false);
      expect(stdout).to.equal('');
      expect(stderr).to.equal('slotflow: SLOTFLOW_WORKER_CONCURRENCY: "abc" is not a whole number; it accepts a whole number of at least 1');
      expect(code).to.equal(2);
    });

    const cases: Array<{ command: string[]; variable: string; value: string; accepts: RegExp }> = [
      { command: ['scheduler'], variable: 'SLOTFLOW_SWEEP_IDLE_MS', value: 'soon', accepts: /a duration/ },
      { command: ['serve'], variable: 'SLOTFLOW_HTTP_ADDR', value: 'localhost', accepts: /HOST:PORT/ },
      { command: ['all'], variable: 'SLOTFLOW_REDIS_URL', value: 'http://127.0.0.1:6379', accepts: /redis:\/\// },
      { command: ['migrate'], variable: 'SLOTFLOW_MYSQL_URL', value: 'not a url', accepts: /mysql:\/\// },
      { command: ['task', 'list'], variable: 'SLOTFLOW_LOCK_TTL_MS', value: '-5', accepts: /a duration/ },
      { command: ['task', 'show', '0123456789abcdef'], variable: 'SLOTFLOW_FANOUT_MAX', value: '0', accepts: /at least 1/ },
      { command: ['render', 'examples/sample-article.md', '-o', '/tmp/never.mp4'], variable: 'SLOTFLOW_EDGE_TTS', value: 'maybe', accepts: /1, true, yes or on/ },
      { command: ['config'], variable: 'SLOTFLOW_LOG_LEVEL', value: 'loud', accepts: /one of error, warn, info/ },
      { command: ['slots', 'decode', '0x5', '--flow', 'bench-13'], variable: 'SLOTFLOW_PUBLIC_URL', value: 'ftp://example.com', accepts: /http:\/\/ or https:\/\// },
    ];
    for (const c of cases) {
      it(`${c.variable}=${c.value} slotflow ${c.command.join(' ')}`, async () => {
        const { code, stderr, timedOut } = await slotflow({ [c.variable]: c.value }, ...c.command);
        expect(timedOut, 'the command ran instead of stopping at the bad value').to.equal(false);
        const lines = stderr.split('\n');
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(new RegExp(`^slotflow: ${c.variable}: ${JSON.stringify(c.value).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .+; it accepts `));
        expect(lines[0]).to.match(c.accepts);
        expect(code).to.equal(2);
      });
    }
  });

  describe('slotflow config', () => {
    const env = {
      SLOTFLOW_API_TOKEN: 'tok-very-secret-1234',
      SLOTFLOW_LLM_API_KEY: 'sk-llm-secret-5678',
      SLOTFLOW_MYSQL_URL: 'mysql://app:hunter2pw@db.internal:3306/slotflow',
      SLOTFLOW_SWEEP_IDLE_MS: '3s',
      SLOTFLOW_QUEUE_PREFIX: 'blue',
    };

    it('prints every setting with its value and source, secrets masked', async () => {
      const { code, stdout, stderr } = await slotflow(env, 'config');
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      const [table, build] = stdout.split('\n\n') as [string, string];
      const lines = table.split('\n');
      expect(lines[0]).to.match(/^VARIABLE\s+VALUE\s+SOURCE$/);
      expect(build).to.match(/^ffmpeg {3}\S+ \((given|system|ffmpeg-static|@ffmpeg-installer\/ffmpeg)\), version \S+, release [\d.]+\n/);
      expect(build).to.match(/\nencoders libx264 yes, aac yes\n/);
      const rows = new Map(lines.slice(1).map((l) => {
        const [variable, ...rest] = l.split(/\s{2,}/);
        return [variable!, rest] as const;
      }));
      expect([...rows.keys()]).to.have.members(VARIABLES);
      expect(rows.get('SLOTFLOW_API_TOKEN')).to.deep.equal(['****', 'environment']);
      expect(rows.get('SLOTFLOW_LLM_API_KEY')).to.deep.equal(['****', 'environment']);
      expect(rows.get('SLOTFLOW_MYSQL_URL')).to.deep.equal(['mysql://app:****@db.internal:3306/slotflow', 'environment']);
      expect(rows.get('SLOTFLOW_SWEEP_IDLE_MS')).to.deep.equal(['3000 ms', 'environment']);
      expect(rows.get('SLOTFLOW_QUEUE_PREFIX')).to.deep.equal(['{blue}', 'environment']);
      expect(rows.get('SLOTFLOW_WORKER_CONCURRENCY')).to.deep.equal(['8', 'default']);
      expect(rows.get('SLOTFLOW_PEXELS_API_KEY')).to.deep.equal(['(unset)', 'default']);
      for (const secret of ['tok-very-secret-1234', 'sk-llm-secret-5678', 'hunter2pw']) expect(stdout).not.to.include(secret);
    });

    it('--json prints the same as { settings: [{ variable, value, source, secret, description }], ffmpeg }', async () => {
      const { code, stdout } = await slotflow(env, 'config', '--json');
      expect(code).to.equal(0);
      for (const secret of ['tok-very-secret-1234', 'sk-llm-secret-5678', 'hunter2pw']) expect(stdout).not.to.include(secret);
      const printed = JSON.parse(stdout) as { settings: Array<{ variable: string; value: unknown; source: string; secret: boolean; description: string }>; ffmpeg: unknown };
      expect(printed.ffmpeg).to.include.keys('path', 'source', 'version', 'release', 'encoders', 'filters');
      const rows = printed.settings;
      for (const r of rows) expect(Object.keys(r)).to.have.members(['variable', 'value', 'source', 'secret', 'description']);
      expect(rows.map((r) => r.variable)).to.have.members(VARIABLES);
      const byName = new Map(rows.map((r) => [r.variable, r]));
      expect(byName.get('SLOTFLOW_API_TOKEN')).to.include({ value: '****', source: 'environment', secret: true });
      expect(byName.get('SLOTFLOW_WEBHOOK_SECRET')).to.include({ value: null, source: 'default', secret: true });
      expect(byName.get('SLOTFLOW_SWEEP_IDLE_MS')).to.include({ value: 3000, source: 'environment' });
      expect(byName.get('SLOTFLOW_REDIS_URL')).to.deep.include({ value: ['redis://127.0.0.1:6379'], source: 'default' });
      expect(byName.get('SLOTFLOW_EDGE_TTS')).to.include({ value: false, source: 'default' });
      expect(byName.get('SLOTFLOW_PUBLIC_URL')).to.include({ value: 'http://127.0.0.1:8080', source: 'default' });
    });
  });

  describe('docs/settings.md', () => {
    it('lists every variable of the settings table, as scripts/settings-doc.ts makes it', async () => {
      const { settingsDoc, SETTINGS_DOC } = await import('../../scripts/settings-doc.ts');
      const page = readFileSync(SETTINGS_DOC, 'utf8');
      for (const variable of VARIABLES) expect(page, variable).to.include(`| \`${variable}\` |`);
      expect(page, 'docs/settings.md is out of date: run npx tsx scripts/settings-doc.ts').to.equal(settingsDoc(page));
    });
  });
});
