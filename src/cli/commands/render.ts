import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadFlow } from '../../adapters/flow-files.ts';
import { speechFromSettings } from '../../pipeline/providers.ts';
import { warmSpeech } from '../../providers/speech/choose.ts';
import { RenderFailedError, RenderInterruptedError, renderJob } from '../../pipeline/render-job.ts';
import { routeFlow } from '../../pipeline/router.ts';
import type { PlannerInfo } from '../../pipeline/handlers/prompt-plan.ts';
import { PROMPT_PLAN_HANDLER } from '../../pipeline/submission.ts';
import type { CompiledFlow } from '../../core/flow/compile.ts';
import { compileSettings } from '../../settings.ts';
import { FailedExit, UsageError } from '../exit.ts';
import { json, type Output } from '../output.ts';
import { addRequestOptions, checkedFlowInput, checkedSubmission, inputOrPrompt, optionsFromFlags, type RequestFlags } from '../submission.ts';

/**
 * `slotflow render`: the whole job in one process with embedded state, queue
 * and lock, no MySQL or Redis. The same flows and handlers as the
 * distributed mode; assets and the result cache live in SLOTFLOW_DATA_DIR,
 * so rendering the same article again reuses what was made.
 */


interface RenderOptions extends RequestFlags {
  output: string;
  flow?: string;
  size?: string;
  music: boolean;
  watermark?: string | boolean;
  json?: boolean;
}

/** An article file (its bytes, so text that is not UTF-8 is caught), or a JSON file `{ "title"?, "scenes": [{ "text" }] }` for script to video. */
async function readInput(file: string): Promise<{ article: { body: Buffer } } | { script: unknown }> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (file.toLowerCase().endsWith('.json')) {
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as { scenes?: unknown };
      if (Array.isArray(parsed.scenes)) return { script: parsed };
    } catch (e) {
      throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`, { code: 'invalid-script' });
    }
  }
  return { article: { body: raw } };
}

/** What the flow's planner wrote the script with, for a prompt; null for a flow without one. */
function plannerOf(flow: CompiledFlow, outputs: (component: string) => unknown): PlannerInfo | null {
  const planner = flow.components.find((c) => c.handler === PROMPT_PLAN_HANDLER);
  return planner ? (outputs(planner.name) as { planner?: PlannerInfo } | undefined)?.planner ?? null : null;
}

export function registerRenderCommand(program: Command, io: Output): void {
  const render = program
    .command('render')
    .description('render an article (or a --prompt) to a video (or an image bundle) in this process; no MySQL or Redis needed')
    .argument('[article]', 'article file (Markdown, text or HTML), or a JSON script with scenes; none with --prompt')
    .requiredOption('-o, --output <file>', 'where to write the result (.mp4, or .zip for the image bundle)')
    .option('--flow <flow>', 'flow name or file (default: chosen from the request)');
  addRequestOptions(render)
    .option('--size <WxH>', 'render smaller than the format (e.g. 540x960), for previews')
    .option('--no-music', 'no background music')
    .option('--watermark <text>', 'watermark text (default: slotflow)')
    .option('--no-watermark', 'no watermark')
    .option('--json', 'print the result as JSON')
    .action(async (given: string | undefined, opts: RenderOptions) => {
      const started = performance.now();
      const settings = compileSettings();
      // One set of speech providers for the check and the render, their probes started now, beside the reading.
      const speakers = speechFromSettings(settings);
      warmSpeech(speakers);
      const what = inputOrPrompt(given, opts.prompt);
      const file = 'file' in what ? what.file : undefined;
      const source = file !== undefined ? await readInput(file) : { prompt: opts.prompt };
      const options: Record<string, unknown> = { ...optionsFromFlags(opts), music: opts.music };
      if (opts.size) options.size = opts.size;
      if (opts.watermark === false) options.watermark = false;
      else if (typeof opts.watermark === 'string') options.watermark = opts.watermark;
      if (opts.output.toLowerCase().endsWith('.zip')) options.output = 'images';
      // Checked here, as the API checks a submission, so bad input gets its clear error before anything starts.
      const { input } = await checkedSubmission({ ...source, options }, { speech: speakers, ...(file !== undefined ? { filename: file } : {}) });
      const flow = loadFlow(routeFlow({ ...(opts.flow ? { flow: opts.flow } : {}), out: opts.output, input }), process.cwd(), settings.flowsDir);
      checkedFlowInput(flow, input);

      let result;
      const interrupt = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => interrupt.abort(signal);
      // `on`, not `once`: execa's exit hook re-raises a signal that finds no other listener, which would kill us mid-cleanup.
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        result = await renderJob({
          flow, input, settings, speech: speakers, output: opts.output, signal: interrupt.signal,
          onProgress: (line) => !opts.json && io.err(`  ${flow.name}: ${line}`),
        });
      } catch (e) {
        if (e instanceof RenderFailedError) throw new FailedExit(e.message, false, e.code);
        if (e instanceof RenderInterruptedError) throw new FailedExit(`${e.message} by ${String(interrupt.signal.reason)}`, false, e.code);
        throw e;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const { final, runs } = result;
      const planner = plannerOf(flow, result.outputs);
      const speech = result.outputs('SpeechSynthesis') as { provider?: string; voice?: string; reason?: string } | undefined;
      const summary = {
        output: path.resolve(result.output),
        subtitles: result.subtitles ? path.resolve(result.subtitles) : null,
        cover: result.cover ? path.resolve(result.cover) : null,
        flow: flow.name,
        task: result.taskId,
        duration_sec: final.duration_sec ?? null,
        width: final.width ?? null,
        height: final.height ?? null,
        scenes: final.scenes ?? null,
        voice: speech ? { provider: speech.provider, voice: speech.voice, reason: speech.reason } : null,
        planner,
        ffmpeg: result.ffmpeg,
        wall_sec: Number(((performance.now() - started) / 1000).toFixed(2)),
        reused_from: result.reusedFrom,
        components_executed: runs.filter((r) => r.executions > 0 && !r.cached).length,
        components_reused: runs.filter((r) => r.cached).length,
      };
      if (opts.json) io.out(json(summary));
      else {
        io.out(`wrote ${[summary.output, summary.subtitles, summary.cover].filter(Boolean).map((f, i) => (i === 0 ? f : path.basename(f!))).join(', ')}`);
        if (summary.duration_sec !== null) io.out(`  ${summary.width}x${summary.height}, ${Number(summary.duration_sec).toFixed(2)} s of video in ${summary.wall_sec} s`);
        if (speech) io.out(`  voice: ${speech.reason ?? speech.provider}`);
        if (planner) io.out(`  script by: ${planner.label}, ${planner.fit.estimated_sec} s of narration planned for ${planner.fit.target_sec} s`);
        io.out(`  ffmpeg: ${result.ffmpeg.release === 'unknown' ? '' : `${result.ffmpeg.release} `}(${result.ffmpeg.version}, ${result.ffmpeg.source}: ${result.ffmpeg.path})`);
        io.out(`  components run: ${summary.components_executed}, reused from earlier work: ${summary.components_reused}`);
      }
    });
}
