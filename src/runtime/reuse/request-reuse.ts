import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { canonicalJson, type CompiledFlow } from '../../core/flow/compile.ts';
import { TaskPhase } from '../../core/engine/task.ts';
import type { RequestEmbedder } from '../../core/ports/embedder.ts';
import type { FlowLookup } from '../../core/ports/flow-versions.ts';
import type { OutputDescriber } from '../../core/ports/outputs.ts';
import type { TaskReadModel } from '../../core/ports/read-model.ts';
import type { RequestVectors, ReusedFrom } from '../../core/ports/request-vectors.ts';
import { log } from '../../log.ts';
import { cosine } from './cosine.ts';

/**
 * Near-duplicate reuse: before a task runs, its request is embedded and
 * compared with the requests of completed tasks of the same flow version and
 * output settings; at `similarity` or more, the new task is answered with
 * the earlier one's video instead of running (the engine creates it
 * completed, see `Engine.submit`).
 *
 * A false reuse (a different request answered with an old video) is the
 * costly error, so every doubt runs the task fresh: an embedder that fails,
 * an earlier task that is no longer completed, a video file that is gone
 * (its vector is dropped then, so it is not found again). A task is filed
 * when it completes; one whose scenes were regenerated is not (its video no
 * longer answers its request alone), and is dropped if it was.
 */

/** What of a task's input is compared, as the flow's pipeline says (see src/pipeline/reuse-request.ts). */
export interface ReuseRequest {
  /** What the video says. */
  text: string;
  /** Everything else that changes the video; must be equal for a reuse. */
  settings: Readonly<Record<string, unknown>>;
  /** False when the request asks never to be answered with an earlier video. */
  enabled: boolean;
}

export type ReuseDescriber = (input: unknown) => ReuseRequest | undefined;

/** Candidates compared per lookup in a lexical bucket (requests with the same words): the newest, rarely more than a few. */
export const REUSE_CANDIDATE_LIMIT = 100;
/** A dense embedder's bucket is its whole settings partition: its newest requests this many, compared exactly. */
export const DENSE_CANDIDATE_LIMIT = 10_000;

export interface RequestReuseDeps {
  store: RequestVectors & Pick<TaskReadModel, 'getTask' | 'listTakes' | 'outputsOf'>;
  flows: FlowLookup;
  outputs: OutputDescriber;
  embedder: RequestEmbedder;
  describe: ReuseDescriber;
  /** Cosine similarity from which a request counts as the same (SLOTFLOW_REUSE_SIMILARITY). */
  similarity: number;
}

/** What the engine asks: a match for a new request, and to file a task that completed. */
export interface ReuseLookup {
  find(flow: CompiledFlow, input: unknown): Promise<ReusedFrom | undefined>;
  remember(taskId: string): Promise<void>;
}

export function settingsHash(flow: Pick<CompiledFlow, 'hash'>, settings: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson({ flow: flow.hash, settings })).digest('hex');
}

export class RequestReuse implements ReuseLookup {
  constructor(private readonly deps: RequestReuseDeps) {}

  async find(flow: CompiledFlow, input: unknown): Promise<ReusedFrom | undefined> {
    const request = this.deps.describe(input);
    if (!request?.enabled) return undefined;
    const embedding = await this.embed(request.text);
    if (!embedding) return undefined;
    const { store, embedder, similarity } = this.deps;
    const limit = embedding.vector.kind === 'dense' ? DENSE_CANDIDATE_LIMIT : REUSE_CANDIDATE_LIMIT;
    const candidates = await store.requestCandidates(settingsHash(flow, request.settings), embedder.id, embedding.bucket, limit);
    const ranked = candidates
      .map((c) => ({ taskId: c.taskId, similarity: cosine(embedding.vector, c.vector) }))
      .filter((c) => c.similarity >= similarity)
      .sort((a, b) => b.similarity - a.similarity);
    for (const match of ranked) {
      if (await this.stillAnswers(match.taskId)) return match;
      await store.forgetRequests([match.taskId]);
    }
    return undefined;
  }

  async remember(taskId: string): Promise<void> {
    const { store, flows, embedder } = this.deps;
    const task = await store.getTask(taskId);
    if (!task || task.phase !== TaskPhase.completed || task.parentId !== null || task.reusedFrom !== null) return;
    const request = this.deps.describe(task.input);
    if (!request) return;
    if ((await store.listTakes(taskId)).some((t) => t.take > 1)) {
      await store.forgetRequests([taskId]);
      return;
    }
    const embedding = await this.embed(request.text);
    if (!embedding) return;
    const flow = await flows.byHashOrThrow(task.flowHash);
    await store.rememberRequest({ taskId, settingsHash: settingsHash(flow, request.settings), embedder: embedder.id, ...embedding });
  }

  /** The embedding, or undefined when the embedder fails: the task then runs (or is filed) without reuse. */
  private async embed(text: string) {
    try {
      return await this.deps.embedder.embed(text);
    } catch (e) {
      log.warn(`reuse: ${this.deps.embedder.id} could not embed the request, so it runs fresh: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** The earlier task is still completed and its download file still exists. */
  private async stillAnswers(taskId: string): Promise<boolean> {
    const { store, flows, outputs } = this.deps;
    const task = await store.getTask(taskId);
    if (!task || task.phase !== TaskPhase.completed) return false;
    const flow = await flows.byHashOrThrow(task.flowHash);
    const sources = outputs.sources(flow);
    const described = outputs.describe(await store.outputsOf(taskId, sources), '');
    if (!described.download) return false;
    return access(described.download.path).then(() => true, () => false);
  }
}
