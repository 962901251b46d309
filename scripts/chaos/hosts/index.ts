import type { Scale } from '../report.ts';
import { cleanup } from './cluster.ts';
import { Deployment } from './deployment.ts';
import { type FaultReport, faultLine, FAULTS, runFault } from './faults.ts';

/**
 * `npm run chaos -- --hosts`: builds the cluster (cluster.ts), deploys
 * slotflow on it (deployment.ts) and runs each fault (faults.ts) in turn,
 * printing its line as it ends. Teardown always: in `finally`, on SIGINT and
 * SIGTERM, and `--cleanup` for what a killed run left.
 */

export interface HostsRun {
  reports: FaultReport[];
  errors: Array<{ fault: string; error: Error }>;
}

export async function runHosts(scale: Scale, only?: readonly string[], print: (line: string) => void = console.log): Promise<HostsRun> {
  const chosen = FAULTS.filter((f) => !only || only.includes(f.name));
  const dep = await Deployment.start();
  const onSignal = () => {
    void dep.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const run: HostsRun = { reports: [], errors: [] };
  try {
    print(`hosts ${dep.cluster.prefix}: ${[...dep.cluster.hosts.values()].map((h) => `${h.name}=${h.address}`).join(' ')}`);
    for (const fault of chosen) {
      if (scale === 'short' && fault.notInShort && !only) {
        print(`fault=${fault.name} skipped in the short run: ${fault.notInShort}`);
        continue;
      }
      try {
        const r = await runFault(dep, fault, scale);
        run.reports.push(r);
        print(faultLine(r));
        for (const c of r.checks.failed) print(`  ✗ ${c.what}${c.detail ? `: ${c.detail}` : ''}`);
      } catch (e) {
        run.errors.push({ fault: fault.name, error: e as Error });
        print(`fault=${fault.name} ERROR ${(e as Error).stack ?? String(e)}`);
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await dep.stop();
  }
  return run;
}

export { cleanup };
