import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { hostsUnsupported } from '../../scripts/chaos/hosts/cluster.ts';
import { FAULTS } from '../../scripts/chaos/hosts/faults.ts';
import { runHosts } from '../../scripts/chaos/hosts/index.ts';
import { openRuntimes } from '../../src/runtime/composition.ts';

/**
 * The short version of `npm run chaos -- --hosts`: the faults between hosts that no faster test covers, once each,
 * on one cluster of network namespaces, a dozen tasks each (the others run in `npm run chaos -- --hosts`). Needs root (namespaces, veth pairs, a tmpfs); skipped with the reason
 * otherwise. Afterwards nothing of the cluster may be left: no namespace, link, mount or process.
 */
describe('chaos: faults between hosts (short)', function () {
  this.timeout(15 * 60000);
  let why: string | undefined;

  before(async function () {
    why = await hostsUnsupported();
    if (why) {
      console.log(`    skipped: the hosts harness ${why}`);
      this.skip();
    }
  });

  it('every fault of the short run: no task lost, the history checker passes, each fault its own checks; nothing left behind', async () => {
    const lines: string[] = [];
    const run = await runHosts('short', undefined, (line) => lines.push(line));
    const text = lines.join('\n');
    for (const line of lines.filter((l) => l.startsWith('fault='))) console.log(`      ${line}`);
    expect(run.errors.map((e) => `${e.fault}: ${e.error.message}`), text).to.deep.equal([]);
    // Every fault of the short run reported: an empty run must not pass the checks below.
    expect(run.reports.map((r) => r.fault), text).to.deep.equal(FAULTS.filter((f) => !f.notInShort).map((f) => f.name));
    for (const r of run.reports) {
      expect(r.lost, text).to.equal(0);
      expect(r.checks.failed.map((c) => `${r.fault}: ${c.what}: ${c.detail ?? ''}`), text).to.deep.equal([]);
    }
    const prefix = lines[0]!.split(' ')[1]!.replace(':', '');
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), 'namespaces left').not.to.include(prefix);
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), 'links left').not.to.include(prefix);
    expect(execFileSync('mount', [], { encoding: 'utf8' }), 'mounts left').not.to.include(prefix);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }), 'processes left').not.to.include(prefix);
    expect(openRuntimes.size, 'runtimes left open').to.equal(0);
  });
});
