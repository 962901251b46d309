import type { CompiledFlow } from '../flow/compile.ts';

/**
 * What a finished task made, as the handlers that made it describe it. The
 * engine's views and routes know tasks, not what kind of file a flow ends in:
 * the pipeline registers a describer that names the file, its media type and
 * the fields the task view shows for it.
 */

export interface OutputFile {
  path: string;
  contentType: string;
}

export interface DescribedOutputs {
  /** The file the task's download route serves; undefined when the task made none. */
  download: OutputFile | undefined;
  /** Other files by role (a subtitles sidecar, say). */
  files: Readonly<Record<string, string>>;
  /** The fields the task view adds, always the same keys, null when not made. */
  viewFields: Readonly<Record<string, string | null>>;
}

export interface OutputDescriber {
  /** The components whose outputs describe a finished task of `flow`. */
  sources(flow: CompiledFlow): readonly string[];
  /**
   * Describes a task's outputs: `outputs` holds the sources' outputs, undefined while the task has not
   * completed; `downloadUrl` is where the download route serves the file.
   */
  describe(outputs: Readonly<Record<string, unknown>> | undefined, downloadUrl: string): DescribedOutputs;
  /**
   * Fields the task view shows as soon as the components that make them have
   * finished, whatever the task's phase (who wrote a prompt's script, say):
   * `sources` names those components, `fields` reads their outputs (those
   * not made yet are missing) and answers the same keys every time.
   */
  early?: {
    sources(flow: CompiledFlow): readonly string[];
    fields(outputs: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>>;
  };
}
