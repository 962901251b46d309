import { Command, CommanderError } from 'commander';
import { FlowNotFoundError } from '../adapters/flow-files.ts';
import { FlowValidationError } from '../core/flow/problems.ts';
import { UnknownComponentError } from '../core/word.ts';
import { TaskIdError } from '../runtime/task-ids.ts';
import { AddressInUseError, UnsafeBindError } from '../http/start.ts';
import { SettingsError } from '../settings.ts';
import { registerConfigCommand } from './commands/config.ts';
import { registerFlowCommands } from './commands/flow.ts';
import { registerRenderCommand } from './commands/render.ts';
import { registerServiceCommands } from './commands/services.ts';
import { registerSlotCommands } from './commands/slots.ts';
import { registerStatsCommand } from './commands/stats.ts';
import { registerTaskCommands } from './commands/task.ts';
import { registerVoicesCommand } from './commands/voices.ts';
import { registerProductCommands } from './commands/product.ts';
import { registerOutputCommands } from './commands/output.ts';
import { registerPresenterCommands } from './commands/presenter.ts';
import { errorJson, ExitCode, FailedExit, UsageError } from './exit.ts';
import { consoleOutput, endQuietlyOnClosedStdout, json, type Output } from './output.ts';

export function buildProgram(io: Output): Command {
  const program = new Command('slotflow')
    .description('service-orchestration engine for AI video production')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerFlowCommands(program, io);
  registerSlotCommands(program, io);
  registerTaskCommands(program, io);
  registerRenderCommand(program, io);
  registerServiceCommands(program, io);
  registerConfigCommand(program, io);
  registerVoicesCommand(program, io);
  registerStatsCommand(program, io);
  registerProductCommands(program, io);
  registerPresenterCommands(program, io);
  registerOutputCommands(program, io);
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
  const program = buildProgram({ out: (line) => ((printed = true), io.out(line)), err: (line) => io.err(line) });
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
