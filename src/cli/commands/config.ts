import type { Command } from 'commander';
import { WATCHED_ENCODERS, WATCHED_FILTERS } from '../../adapters/ffmpeg/capabilities.ts';
import { type Binaries, locateFfmpeg } from '../../adapters/ffmpeg/index.ts';
import { compileSettings, describeSettings, resolveSettings } from '../../settings/compile.ts';
import { json, table, type Output } from '../output.ts';

/** `slotflow config`: every resolved setting, where it came from, secrets masked; and the ffmpeg those settings choose. */

export function registerConfigCommand(program: Command, io: Output): void {
  program
    .command('config')
    .description('print every resolved setting and its source (environment or default), secrets masked, and the ffmpeg build they choose')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const rows = describeSettings(resolveSettings());
      const settings = compileSettings();
      const ffmpeg = ffmpegReport(locateFfmpeg({ ffmpegPath: settings.ffmpegPath, ffprobePath: settings.ffprobePath, searchPath: settings.searchPath }));
      if (opts.json) {
        io.out(json({
          settings: rows.map((r) => ({ variable: r.variable, value: r.value, source: r.source, secret: r.secret, description: r.description })),
          ffmpeg,
        }));
        return;
      }
      for (const line of table(['VARIABLE', 'VALUE', 'SOURCE'], rows.map((r) => [r.variable, r.shown, r.source]))) io.out(line);
      io.out('');
      io.out(`ffmpeg   ${ffmpeg.path} (${ffmpeg.source}), version ${ffmpeg.version}, release ${ffmpeg.release}`);
      io.out(`ffprobe  ${ffmpeg.ffprobe} (${ffmpeg.ffprobe_source})`);
      const listed = (found: Record<string, boolean>) => Object.entries(found).map(([name, has]) => `${name} ${has ? 'yes' : 'no'}`).join(', ');
      io.out(`encoders ${listed(ffmpeg.encoders)}`);
      io.out(`filters  ${listed(ffmpeg.filters)}`);
    });
}

export interface FfmpegReport {
  path: string;
  source: string;
  version: string;
  release: string;
  ffprobe: string;
  ffprobe_source: string;
  encoders: Record<string, boolean>;
  filters: Record<string, boolean>;
}

function ffmpegReport(b: Binaries): FfmpegReport {
  const c = b.capabilities;
  return {
    path: b.ffmpeg, source: b.source, version: c.version, release: c.release, ffprobe: b.ffprobe, ffprobe_source: b.ffprobeSource,
    encoders: Object.fromEntries(WATCHED_ENCODERS.map((e) => [e, c.encoders.has(e)])),
    filters: Object.fromEntries(WATCHED_FILTERS.map((f) => [f, c.filters.has(f)])),
  };
}
