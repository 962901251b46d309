/**
 * `npm run chaos`: every chaos scenario at full size, one summary line each:
 * tasks submitted, completed, lost (must be 0), duplicate executions and
 * their causes, the scenario's own figures, PASS or FAIL. Exits 1 when any
 * scenario fails. RELIABILITY.md records the figures.
 *
 *   npm run chaos                          the long version of every scenario
 *   npm run chaos -- --short               the short versions (what `npm test` runs)
 *   npm run chaos -- --only crashes,callbacks
 *   npm run chaos -- --json                the full reports as JSON lines after the summary
 *
 * Shared servers come from SLOTFLOW_TEST_MYSQL / SLOTFLOW_TEST_REDIS (as for
 * the tests); the Redis and MySQL scenarios start private `redis-server` and
 * `mariadbd` instances on spare loopback ports and stop only those.
 */

// Request logs and warnings from the in-process runtimes would drown the summary; set before any module reads it.
process.env.SLOTFLOW_LOG_LEVEL ??= 'error';

const args = process.argv.slice(2);

// Reliability across hosts (scripts/chaos/hosts/): network namespaces, fault proxies, the history checker.
if (args.includes('--cleanup') || args.includes('--hosts')) {
  const { cleanup, runHosts } = await import('./hosts/index.ts');
  if (args.includes('--cleanup')) {
    const removed = await cleanup();
    console.log(removed.length > 0 ? removed.join('\n') : 'nothing left behind');
    process.exit(0);
  }
  const { hostsUnsupported } = await import('./hosts/cluster.ts');
  const why = await hostsUnsupported();
  if (why) {
    console.error(`--hosts ${why}`);
    process.exit(2);
  }
  const at = args.indexOf('--only');
  const names = at >= 0 ? (args[at + 1] ?? '').split(',').filter(Boolean) : undefined;
  const started = Date.now();
  const run = await runHosts(args.includes('--short') ? 'short' : 'long', names);
  const failed = run.errors.length + run.reports.filter((r) => r.lost > 0 || r.checks.failed.length > 0).length;
  console.log(`${run.reports.length + run.errors.length - failed} of ${run.reports.length + run.errors.length} fault(s) passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exit(failed > 0 ? 1 : 0);
}
const usage = 'usage: npm run chaos -- [--short] [--only name,name] [--json] [--list] | --hosts [--short] [--only fault,fault] | --cleanup';
const unknown = args.filter((a, i) => !['--short', '--long', '--json', '--list', '--only'].includes(a) && args[i - 1] !== '--only');
if (unknown.length > 0 || args.includes('--help')) {
  console.error(usage);
  process.exit(2);
}

// Ctrl-C: exit through process.exit so the private servers' exit hook kills them (mariadbd ignores SIGINT).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const { SCENARIOS } = await import('./scenarios/index.ts');
const { failureText, passed, summaryLine } = await import('./report.ts');
type Report = Awaited<ReturnType<(typeof SCENARIOS)[number]['run']>>;

if (args.includes('--list')) {
  for (const s of SCENARIOS) console.log(`${s.name.padEnd(18)} ${s.what}`);
  process.exit(0);
}
const scale = args.includes('--short') ? 'short' : 'long';
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;
const unknownNames = (only ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n));
if (unknownNames.length > 0) {
  console.error(`unknown scenario(s): ${unknownNames.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  process.exit(2);
}

const chosen = SCENARIOS.filter((s) => !only || only.includes(s.name));
console.log(`slotflow chaos (${scale}): ${chosen.map((s) => s.name).join(', ')}`);
const reports: Report[] = [];
let failures = 0;
const started = Date.now();
for (const s of chosen) {
  try {
    const r = await s.run(scale);
    reports.push(r);
    console.log(summaryLine(r));
    if (!passed(r)) {
      failures++;
      console.log(failureText(r));
    }
  } catch (e) {
    failures++;
    console.log(`${s.name.padEnd(18)} ERROR ${(e as Error).stack ?? String(e)}`);
  }
}
console.log(`${chosen.length - failures} of ${chosen.length} scenario(s) passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (args.includes('--json')) for (const r of reports) console.log(JSON.stringify(r));
process.exit(failures > 0 ? 1 : 0);
