import { Command, CommanderError } from 'commander';
import { FlowNotFoundError } from '../adapters/flow-files.ts';
import { FlowValidationError } from '../core/flow/problems.ts';
import { UnknownComponentError } from '../core/word.ts';
import { TaskIdError } from '../runtime/task-ids.ts';
import { AddressInUseError, UnsafeBindError } from '../http/bind-errors.ts';
import { SettingsError } from '../settings.ts';
import { errorJson, ExitCode, FailedExit, UsageError } from './exit.ts';
import { consoleOutput, endQuietlyOnClosedStdout, json, type Output } from './output.ts';

type Register = (program: Command, io: Output) => void;

/**
 * Each module of commands with the top-level commands it adds. A command line naming one of them loads that
 * module alone (the others pull in the HTTP server, the media stack and the NLP model: a second of CPU at
 * every start); anything else (`--help`, an unknown command) loads them all.
 */
export const COMMAND_MODULES: ReadonlyArray<{ commands: readonly string[]; load: () => Promise<Register> }> = [
  { commands: ['flow'], load: async () => (await import('./commands/flow.ts')).registerFlowCommands },
  { commands: ['slots'], load: async () => (await import('./commands/slots.ts')).registerSlotCommands },
  { commands: ['task'], load: async () => (await import('./commands/task.ts')).registerTaskCommands },
  { commands: ['render'], load: async () => (await import('./commands/render.ts')).registerRenderCommand },
  {
    commands: ['migrate', 'gc', 'serve', 'scheduler', 'worker', 'all'],
    load: async () => (await import('./commands/services.ts')).registerServiceCommands,
  },
  { commands: ['config'], load: async () => (await import('./commands/config.ts')).registerConfigCommand },
  { commands: ['voices'], load: async () => (await import('./commands/voices.ts')).registerVoicesCommand },
  { commands: ['stats'], load: async () => (await import('./commands/stats.ts')).registerStatsCommand },
  { commands: ['product'], load: async () => (await import('./commands/product.ts')).registerProductCommands },
  { commands: ['presenter'], load: async () => (await import('./commands/presenter.ts')).registerPresenterCommands },
  { commands: ['output'], load: async () => (await import('./commands/output.ts')).registerOutputCommands },
];

/** The program with every command, or with only the module that adds `command` when one does. */
export async function buildProgram(io: Output, command?: string): Promise<Command> {
  const program = new Command('slotflow')
    .description('service-orchestration engine for AI video production')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const only = COMMAND_MODULES.find((m) => command !== undefined && m.commands.includes(command));
  for (const module of only ? [only] : COMMAND_MODULES) (await module.load())(program, io);
  // Every subcommand reports usage errors the same way as the root.
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** Runs the command line and returns the exit code. */
export async function main(argv: string[], io: Output = consoleOutput): Promise<number> {
  if (io === consoleOutput) endQuietlyOnClosedStdout();
  let printed = false;
  const program = await buildProgram({ out: (line) => ((printed = true), io.out(line)), err: (line) => io.err(line) }, argv[2]);
  try {
    await program.parseAsync(argv);
    return ExitCode.ok;
  } catch (e) {
    const exit = exitCodeFor(e, io);
    // A command asked for JSON prints its failure as JSON too, on stdout where its data would be, unless its
    // data already went there and tells the failure (`slots decode` with unknown bits): stdout stays one document.
    if (exit !== ExitCode.ok && argv.includes('--json') && !printed) {
      io.out(json(errorJson(e, exit === ExitCode.usage ? 'invalid-usage' : 'internal')));
    }
    return exit;
  }
}

function exitCodeFor(e: unknown, io: Output): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
      return ExitCode.ok;
    }
    return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (e instanceof UsageError || e instanceof UnknownComponentError || e instanceof FlowNotFoundError || e instanceof UnsafeBindError || e instanceof SettingsError) {
    io.err(`slotflow: ${e.message}`);
    return ExitCode.usage;
  }
  if (e instanceof TaskIdError) {
    // No task by that name is the thing asked about being bad; a prefix too short or shared is how it was asked.
    io.err(`slotflow: ${e.message}`);
    return e.code === 'unknown-task' ? ExitCode.failed : ExitCode.usage;
  }
  if (e instanceof FailedExit) {
    if (!e.quiet) io.err(`slotflow: ${e.message}`);
    return ExitCode.failed;
  }
  if (e instanceof FlowValidationError || e instanceof AddressInUseError) {
    io.err(`slotflow: ${e.message}`);
    return ExitCode.failed;
  }
  io.err(`slotflow: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return ExitCode.failed;
}
