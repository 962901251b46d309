import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { installedVoices, speechFromSettings } from '../../src/http/meta.ts';
import { FestivalProvider } from '../../src/providers/speech/festival.ts';
import { compileSettings } from '../../src/settings.ts';

/**
 * `slotflow voices` through the real command line: the installed voices,
 * best first, the same list `GET /v1/meta` gives, with the default voice of
 * each narrated language marked once.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Row {
  provider: string;
  voice: string;
  languages: string[];
  rank: number;
  default_for: string[];
}

async function slotflow(...args: string[]) {
  const result = await execa('node', ['bin/slotflow.js', ...args], {
    cwd: REPO, reject: false, extendEnv: false, timeout: 30000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
  return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

describe('slotflow voices', function () {
  this.timeout(60000);
  let rows: Row[];

  before(async () => {
    const { code, stdout, stderr } = await slotflow('voices', '--json');
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
    rows = JSON.parse(stdout) as Row[];
  });

  it('--json prints { provider, voice, languages, rank, default_for } for each voice, best rank first', () => {
    expect(rows.length).to.be.above(0);
    for (const row of rows) {
      expect(Object.keys(row)).to.deep.equal(['provider', 'voice', 'languages', 'rank', 'default_for']);
      expect(row.voice).to.be.a('string').and.not.equal('');
      expect(row.languages).to.be.an('array').with.length.above(0);
      expect(row.rank).to.be.a('number').and.at.least(1);
    }
    const ranks = rows.map((r) => r.rank);
    expect(ranks).to.deep.equal([...ranks].sort((a, b) => a - b));
    expect(ranks[0]).to.equal(1);
    // One provider's voices share a rank; ranks go up by one from provider to provider.
    const byProvider = new Map(rows.map((r) => [r.provider, r.rank]));
    expect(rows.every((r) => byProvider.get(r.provider) === r.rank)).to.equal(true);
    const distinct = [...new Set(ranks)];
    expect(distinct).to.deep.equal(distinct.map((_, i) => i + 1));
  });

  it('marks one default voice for English and one for Chinese: Festival for English when installed, espeak-ng or meSpeak for Chinese', async () => {
    const defaults = (language: string) => rows.filter((r) => r.default_for.includes(language));
    expect(defaults('en')).to.have.length(1);
    expect(defaults('zh')).to.have.length(1);
    if (await new FestivalProvider().available()) {
      expect(defaults('en')[0]).to.deep.include({ provider: 'festival', voice: 'cmu_us_slt_arctic_hts', rank: 1, languages: ['en-us'] });
      expect(rows[0]!.provider).to.equal('festival');
    }
    expect(defaults('zh')[0]!.provider).to.be.oneOf(['espeak-ng', 'mespeak']);
  });

  it('lists what GET /v1/meta lists, in the same order', async () => {
    const meta = await installedVoices(speechFromSettings(compileSettings({ PATH: process.env.PATH ?? '' }), undefined));
    expect(rows.map((r) => `${r.provider}:${r.voice}`)).to.deep.equal(meta.map((v) => v.id));
    expect(rows.map((r) => r.rank)).to.deep.equal(meta.map((v) => v.rank));
    expect(rows.map((r) => r.default_for)).to.deep.equal(meta.map((v) => v.default_for));
  });

  it('prints a table without --json, the default voices marked', async () => {
    const { code, stdout } = await slotflow('voices');
    expect(code).to.equal(0);
    const [header, ...lines] = stdout.split('\n');
    expect(header).to.match(/^RANK\s+PROVIDER\s+VOICE\s+LANGUAGES\s+DEFAULT FOR$/);
    expect(lines).to.have.length(rows.length);
    const en = rows.find((r) => r.default_for.includes('en'))!;
    expect(lines.some((l) => l.includes(` ${en.voice} `) && l.trimEnd().endsWith('en'))).to.equal(true);
  });

  it('refuses an unknown option with exit 2', async () => {
    const { code, stdout } = await slotflow('voices', '--json', '--bogus');
    expect(code).to.equal(2);
    expect(JSON.parse(stdout)).to.have.nested.property('error.code', 'invalid-usage');
  });
});
