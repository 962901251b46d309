import type { Command } from 'commander';
import { installedVoices, speechFromSettings } from '../../http/meta.ts';
import { compileSettings } from '../../settings.ts';
import { json, table, type Output } from '../output.ts';

/**
 * `slotflow voices`: the voices installed and configured here, best first,
 * the same list as `GET /v1/meta`. Each with its provider, the voice's own
 * name (what `--voice provider:voice` takes), the languages it speaks, its
 * quality rank (1 is the best here) and the narrated languages it speaks
 * when none is asked for.
 */

export interface VoiceRow {
  provider: string;
  voice: string;
  languages: string[];
  rank: number;
  default_for: string[];
}

export function registerVoicesCommand(program: Command, io: Output): void {
  program
    .command('voices')
    .description('list the installed voices, best first: provider, voice, languages, quality rank, and the default per language')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const voices = await installedVoices(speechFromSettings(compileSettings(), undefined));
      const rows: VoiceRow[] = voices.map((v) => ({
        provider: v.provider, voice: v.id.slice(v.provider.length + 1), languages: [v.language], rank: v.rank, default_for: v.default_for,
      }));
      if (opts.json) {
        io.out(json(rows));
        return;
      }
      const cells = rows.map((r) => [String(r.rank), r.provider, r.voice, r.languages.join(', '), r.default_for.join(', ')]);
      for (const line of table(['RANK', 'PROVIDER', 'VOICE', 'LANGUAGES', 'DEFAULT FOR'], cells, new Set([0]))) io.out(line);
      if (rows.length === 0) io.out('no voices: install espeak-ng, flite or festival, or reinstall the package (meSpeak is bundled)');
    });
}
