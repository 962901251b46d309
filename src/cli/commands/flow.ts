import { type Command, Option } from 'commander';
import { checkFlowFile, flowDirs, flowFilesIn, loadFlow } from '../../adapters/flow-files.ts';
import { graph, type GraphFormat } from '../../core/flow/graph.ts';
import { formatProblem, hasErrors } from '../../core/flow/problems.ts';
import { compileSettings } from '../../settings.ts';
import { FailedExit, UsageError } from '../exit.ts';
import { json, type Output } from '../output.ts';

export function registerFlowCommands(program: Command, io: Output): void {
  const flow = program.command('flow').description('flow files: validate, graph');

  flow
    .command('validate')
    .description('validate flow files (default: flows/*.json)')
    .argument('[files...]', 'flow files')
    .option('--json', 'print the problems as JSON')
    .action((files: string[], opts: { json?: boolean }) => {
      const { flowsDir } = compileSettings();
      const targets = files.length > 0 ? files : defaultFlowFiles(flowsDir);
      if (targets.length === 0) throw new UsageError('no flow files given and no flows/ directory found');
      const results = targets.map((file) => checkFlowFile(file, process.cwd(), flowsDir));
      let errors = 0;
      let warnings = 0;
      for (const r of results) {
        for (const p of r.problems) {
          if (p.severity === 'error') errors++;
          else warnings++;
          if (!opts.json) io.err(formatProblem(r.file, p));
        }
      }
      if (opts.json) {
        io.out(json(results.map((r) => ({ file: r.file, valid: !hasErrors(r.problems), problems: r.problems }))));
      } else {
        io.out(`${results.length} flow file(s) checked: ${errors} error(s), ${warnings} warning(s)`);
      }
      if (errors > 0) throw new FailedExit(`${errors} error(s)`, true);
    });

  flow
    .command('graph')
    .description('print the dependency graph of a flow')
    .argument('<flow>', 'flow name (from flows/) or file path')
    .addOption(new Option('--format <format>', 'graph language').choices(['mermaid', 'dot']).default('mermaid'))
    .action((ref: string, opts: { format: GraphFormat }) => {
      io.out(graph(loadFlow(ref, process.cwd(), compileSettings().flowsDir), opts.format));
    });
}

function defaultFlowFiles(flowsDir: string | undefined): string[] {
  const [first] = flowDirs(process.cwd(), flowsDir);
  return first ? flowFilesIn(first) : [];
}
