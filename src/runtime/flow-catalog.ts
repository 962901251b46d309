import { compileFlow, type CompiledFlow } from '../core/flow/compile.ts';
import type { HandlerCatalog } from '../core/flow/inputs.ts';
import type { FlowRegistry, FlowVersions } from '../core/ports/flow-versions.ts';
import { STANDARD_HANDLERS } from '../handlers/catalog.ts';

/**
 * Compiled flows by content hash. A task pins the hash of the flow it was
 * created from; any process can run it because the content is stored with the
 * hash, whatever the file on disk says now.
 */
export class FlowCatalog implements FlowRegistry {
  private readonly byHash = new Map<string, CompiledFlow>();

  constructor(
    private readonly store: FlowVersions,
    /** Resolves the roles of a flow read back from the store, as loading the file did. */
    private readonly handlers: HandlerCatalog = STANDARD_HANDLERS,
  ) {}

  /** Stores the flow's content (once per process per hash) so tasks can pin it. */
  async register(flow: CompiledFlow): Promise<CompiledFlow> {
    if (!this.byHash.has(flow.hash)) {
      await this.store.saveFlowVersion(flow);
      this.byHash.set(flow.hash, flow);
    }
    return this.byHash.get(flow.hash)!;
  }

  async byHashOrThrow(hash: string): Promise<CompiledFlow> {
    const known = this.byHash.get(hash);
    if (known) return known;
    const doc = await this.store.loadFlowVersion(hash);
    if (!doc) throw new Error(`flow version ${hash} is not stored`);
    const flow = compileFlow(doc, { handlers: this.handlers });
    this.byHash.set(hash, flow);
    return flow;
  }
}
