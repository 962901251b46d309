import type { CompiledFlow } from '../flow/compile.ts';
import type { FlowDocument } from '../flow/document.ts';

/** Flow contents by hash: a task pins the hash it was created from, whatever the file on disk says later. */
export interface FlowVersions {
  saveFlowVersion(flow: CompiledFlow): Promise<void>;
  loadFlowVersion(hash: string): Promise<FlowDocument | undefined>;
}

/** Every flow content stored for a task: what a worker reads to know which queues a pinned task may use. */
export interface FlowVersionList {
  listFlowVersions(): Promise<FlowDocument[]>;
}

/** The compiled flow a task pinned. */
export interface FlowLookup {
  byHashOrThrow(hash: string): Promise<CompiledFlow>;
}

/** Flows a process submits tasks with: registering one stores its content so its tasks can pin it. */
export interface FlowRegistry extends FlowLookup {
  register(flow: CompiledFlow): Promise<CompiledFlow>;
}
