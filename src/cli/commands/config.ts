import type { Command } from 'commander';
import { describeSettings, resolveSettings } from '../../settings/compile.ts';
import { json, table, type Output } from '../output.ts';

/** `slotflow config`: every resolved setting, where it came from, secrets masked. */

export function registerConfigCommand(program: Command, io: Output): void {
  program
    .command('config')
    .description('print every resolved setting and its source (environment or default); secrets masked')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const rows = describeSettings(resolveSettings());
      if (opts.json) {
        io.out(json(rows.map((r) => ({ variable: r.variable, value: r.value, source: r.source, secret: r.secret, description: r.description }))));
        return;
      }
      for (const line of table(['VARIABLE', 'VALUE', 'SOURCE'], rows.map((r) => [r.variable, r.shown, r.source]))) io.out(line);
    });
}
