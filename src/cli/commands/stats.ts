import type { Command } from 'commander';
import { connect } from '../../runtime/composition.ts';
import { statsView } from '../../runtime/stats.ts';
import { compileSettings } from '../../settings.ts';
import { json, table, type Output } from '../output.ts';

/** `slotflow stats`: the last 24 hours from MySQL, as `GET /v1/stats` gives them. */
export function registerStatsCommand(program: Command, io: Output): void {
  program
    .command('stats')
    .description('the last 24 hours: completion rate, p50/p95 task duration, executions saved by reuse, provider latency')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const d = connect(compileSettings());
      try {
        const s = await statsView(d.reads);
        if (opts.json) {
          io.out(json(s));
          return;
        }
        const rate = s.completion_rate === null ? 'n/a' : `${(s.completion_rate * 100).toFixed(1)} %`;
        const secs = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(1)} s`);
        io.out(`last ${s.window_hours} hours (since ${s.since})`);
        io.out(`tasks: ${s.tasks.submitted} submitted, ${s.tasks.completed} completed, ${s.tasks.failed} failed, ${s.tasks.cancelled} cancelled, ${s.tasks.unfinished} unfinished`);
        io.out(`completion rate: ${rate}; duration p50 ${secs(s.duration_sec.p50)}, p95 ${secs(s.duration_sec.p95)}`);
        io.out(`executions: ${s.executions.run} run, ${s.executions.saved_by_reuse} saved by reuse`);
        if (s.providers.length > 0) {
          const cells = s.providers.map((p) => [p.provider, String(p.assets), String(p.latency_ms.p50), String(p.latency_ms.p95), p.cost_usd === null ? '' : p.cost_usd.toFixed(4)]);
          for (const line of table(['PROVIDER', 'FILES', 'P50 MS', 'P95 MS', 'COST USD'], cells, new Set([1, 2, 3, 4]))) io.out(line);
        }
      } finally {
        await d.close();
      }
    });
}
