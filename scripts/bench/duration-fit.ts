/**
 * `npx tsx scripts/bench/duration-fit.ts [--quick]`
 *
 * How close condensing lands to a target length, per voice: the long
 * example articles rendered at a few targets (160×90, no music, so the
 * speech is what costs), and for each the narration estimated before
 * synthesis, the narration as synthesized, the tempo correction applied
 * and the narration that ended in the video. Prints a table; a row outside
 * ±10 % is marked. Each render uses a fresh data directory, removed after.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { DURATION_TOLERANCE } from '../../src/pipeline/duration-fit.ts';
import type { Speech } from '../../src/pipeline/handlers/speech-synthesize.ts';
import type { ScriptOutput } from '../../src/pipeline/outputs.ts';
import { renderJob } from '../../src/pipeline/render-job.ts';
import { compileSettings } from '../../src/settings.ts';
import { ROOT } from './lib/env.ts';
import { table } from './lib/table.ts';

interface Case { article: string; voice?: string; tone?: string; targetSec: number }

const EN = 'examples/long-article.md';
const ZH = 'test/fixtures/articles/zh-long.md';
const FULL: Case[] = [
  { article: EN, targetSec: 20 }, { article: EN, targetSec: 45 }, { article: EN, targetSec: 90 },
  { article: EN, targetSec: 45, tone: 'playful' }, { article: EN, targetSec: 45, tone: 'calm' },
  { article: EN, targetSec: 45, voice: 'flite' }, { article: EN, targetSec: 45, voice: 'espeak-ng' }, { article: EN, targetSec: 45, voice: 'mespeak' },
  { article: ZH, targetSec: 15 }, { article: ZH, targetSec: 30 }, { article: ZH, targetSec: 60, tone: 'serious' },
];
const QUICK: Case[] = [{ article: EN, targetSec: 45 }, { article: ZH, targetSec: 30 }];

async function main(): Promise<void> {
  const cases = process.argv.includes('--quick') ? QUICK : FULL;
  const rows = [];
  for (const c of cases) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-bench-fit-'));
    try {
      const settings = compileSettings({ ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, 'data') });
      const options = { duration_s: c.targetSec, size: '160x90', music: false, ...(c.voice ? { voice: c.voice } : {}), ...(c.tone ? { tone: c.tone } : {}) };
      const input = { article: { body: await readFile(path.join(ROOT, c.article), 'utf8') }, options };
      const result = await renderJob({ flow: loadFlow('article-video'), input, settings, output: path.join(dir, 'out.mp4') });
      const script = result.outputs('TextProcessor') as unknown as ScriptOutput;
      const speech = result.outputs('SpeechSynthesis') as unknown as Speech;
      const narration = speech.narration_sec ?? 0;
      const tempo = speech.tempo ?? 1;
      const off = narration / c.targetSec - 1;
      rows.push([
        path.basename(c.article), speech.provider, c.tone ?? '', c.targetSec, script.scenes.length, script.estimated_sec ?? null,
        Math.round(narration * tempo * 100) / 100, Math.round(tempo * 1000) / 1000, Math.round(narration * 100) / 100,
        `${(off * 100).toFixed(1)} %${Math.abs(off) > DURATION_TOLERANCE ? ' MISS' : ''}`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(table(['article', 'voice', 'tone', 'target s', 'scenes', 'estimated s', 'synthesized s', 'tempo', 'narration s', 'off'], rows));
}

await main();
