import type { Command } from 'commander';
import { loadFlow } from '../../adapters/flow-files.ts';
import { compileSettings } from '../../settings.ts';
import { isSlotState, parseWord, type SlotState, toHex } from '../../core/slot.ts';
import { decode, encode } from '../../core/word.ts';
import { FailedExit, UsageError } from '../exit.ts';
import { json, type Output, table } from '../output.ts';

export function registerSlotCommands(program: Command, io: Output): void {
  const slots = program.command('slots').description('decode and encode slot words');

  slots
    .command('decode')
    .description('show each component\'s state in a slot word')
    .argument('<word>', 'the word, decimal or 0x hex')
    .requiredOption('--flow <flow>', 'flow name (from flows/) or file path')
    .option('--json', 'print JSON')
    .action((wordText: string, opts: { flow: string; json?: boolean }) => {
      const word = parseWordArgument(wordText);
      const flow = loadFlow(opts.flow, process.cwd(), compileSettings().flowsDir);
      const decoded = decode(flow, word);
      if (opts.json) io.out(json(decoded));
      else {
        io.out(`flow ${decoded.flow} v${decoded.version} (${flow.hash.slice(0, 12)})`);
        io.out(`word ${decoded.word} = ${decoded.hex}`);
        io.out(`status ${decoded.status}`);
        io.out('');
        const moduleState = new Map(decoded.modules.map((m) => [m.module, m.state]));
        const rows = decoded.components.map((c) => [
          `${c.module} (${moduleState.get(c.module)})`,
          c.component,
          String(c.slot),
          c.state,
        ]);
        for (const line of table(['MODULE', 'COMPONENT', 'SLOT', 'STATE'], rows, new Set([2]))) io.out(line);
        io.out('');
        io.out(`unknown bits ${decoded.unknown_bits}`);
      }
      if (decoded.unknown_bits !== '0x0') {
        throw new FailedExit(`word has bits no slot of flow ${flow.name} owns: ${decoded.unknown_bits}`);
      }
    });

  slots
    .command('encode')
    .description('the word for the given component states')
    .requiredOption('--flow <flow>', 'flow name (from flows/) or file path')
    .argument('<assignments...>', 'NAME=STATE, STATE one of pending, succeeded, failed, skipped')
    .option('--json', 'print JSON')
    .action((assignments: string[], opts: { flow: string; json?: boolean }) => {
      const flow = loadFlow(opts.flow, process.cwd(), compileSettings().flowsDir);
      const states: Record<string, SlotState> = {};
      for (const a of assignments) {
        const eq = a.lastIndexOf('=');
        const name = a.slice(0, eq);
        const state = a.slice(eq + 1);
        if (eq <= 0 || !isSlotState(state)) {
          throw new UsageError(`"${a}" is not NAME=STATE with STATE one of pending, succeeded, failed, skipped`);
        }
        if (!flow.byName.has(name)) throw new UsageError(`flow ${flow.name} has no component "${name}"`);
        states[name] = state;
      }
      const word = encode(flow, states);
      if (opts.json) io.out(json({ word: word.toString(), hex: toHex(word), flow: flow.name, version: flow.version }));
      else io.out(`${word} ${toHex(word)}`);
    });
}

function parseWordArgument(text: string): bigint {
  try {
    return parseWord(text);
  } catch (e) {
    throw new UsageError(`WORD ${(e as Error).message}; give an unsigned 64-bit value in decimal or 0x hex`);
  }
}
