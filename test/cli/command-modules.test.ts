import { expect } from 'chai';
import { Command } from 'commander';
import { buildProgram, COMMAND_MODULES } from '../../src/cli/main.ts';

const quiet = { out: () => {}, err: () => {} };

describe('command line: loading one module of commands', () => {
  it('lists, for every module, exactly the top-level commands it adds', async () => {
    for (const module of COMMAND_MODULES) {
      const program = new Command('slotflow');
      (await module.load())(program, quiet);
      expect(program.commands.map((c) => c.name()).sort()).to.deep.equal([...module.commands].sort());
    }
  });

  it('builds the same commands from the one module as from all of them', async () => {
    const all = await buildProgram(quiet);
    for (const name of COMMAND_MODULES.flatMap((m) => m.commands)) {
      const alone = await buildProgram(quiet, name);
      const full = all.commands.find((c) => c.name() === name);
      expect(alone.commands.find((c) => c.name() === name)?.helpInformation(), name).to.equal(full?.helpInformation());
    }
  });

  it('loads every module for a command no module adds, so the error can suggest one', async () => {
    const program = await buildProgram(quiet, 'rendr');
    expect(program.commands.map((c) => c.name())).to.include.members(COMMAND_MODULES.flatMap((m) => m.commands));
  });
});
