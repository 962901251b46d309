import { createHash } from 'node:crypto';
import path from 'node:path';
import type { AssetStore } from '../adapters/asset-store.ts';
import { canonicalJson, type CompiledFlow } from '../core/flow/compile.ts';
import { isTerminal, TaskPhase } from '../core/engine/task.ts';
import { componentState } from '../core/word.ts';
import { SlotState } from '../core/slot.ts';
import type { AssetReads, StoredAsset } from '../core/ports/assets.ts';
import type { FlowLookup } from '../core/ports/flow-versions.ts';
import type { TaskReadModel, TaskRecord } from '../core/ports/read-model.ts';
import type { Snapshots } from '../core/ports/snapshots.ts';
import type { Engine, TaskSubmission } from '../runtime/engine.ts';
import { SlotflowError } from '../core/errors.ts';
import { frameFor } from '../pipeline/formats.ts';
import { checkContract, type FileRef } from './contracts.ts';
import { IdempotencyKeyReusedError, ProductImagesRefusedError, ProductStateError, UnknownUploadError } from './errors.ts';
import { flowForMode, IDENTITY_FLOW } from './modes.ts';
import type { AssetRef, IdentityRef, NeutralImage, OutputMode, OutputSnapshot, ProductMetadata, ProductSnapshot, StoryboardSeed } from './types.ts';
import { validateProductImages } from './validate-images.ts';

/**
 * Product creative's service, the one place both the HTTP routes and the command line call: create a
 * product (a task of `product-identity` whose input is the stored product-creation snapshot), create an
 * output (a task of the flow its mode routes to, whose input is the output-generation snapshot with the
 * identity's asset references copied in), the product and output views, and retries. Every request is
 * checked in full before anything is stored; each snapshot is written once, after its task exists.
 * Photos are judged by their content (validate-images.ts), never by their names.
 */

export interface ProductDeps {
  engine: TaskSubmission & Pick<Engine, 'resume' | 'regenerateScene'>;
  reads: TaskReadModel & AssetReads;
  snapshots: Snapshots;
  flows: FlowLookup;
  assets: AssetStore;
  resolveFlow: (name: string) => CompiledFlow;
  /** Mode → flow name (flows/product-modes.json). */
  modes: () => Readonly<Record<string, string>>;
}

export interface Created {
  id: string;
  status: string;
}

/** The identity components and what each makes. */
const IDENTITY = { neutral: 'ProductNeutral', metadata: 'ProductMetadata', sheet: 'ProductSheet', seeds: 'StoryboardSeeds' } as const;

/** A component name as a stage: `SceneImage` → `scene-image`. */
export function stageName(component: string): string {
  return component.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
}

function sha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** A stored upload's path and the name the user knows it by; `pointer` says where the request named it. */
function upload(assets: AssetStore, ref: FileRef, pointer: string, exts?: readonly string[]): { file: string; asset: string; path: string } {
  const asset = typeof ref === 'string' ? ref.slice('asset:'.length) : ref.asset;
  const file = typeof ref === 'string' ? asset : ref.file;
  if (exts && !exts.includes(path.extname(asset))) throw new UnknownUploadError(pointer, `${pointer}: ${file.slice(0, 80)} is not a ${exts.join('/')} upload`);
  const found = assets.pathOf(asset);
  if (!found) throw new UnknownUploadError(pointer, `${pointer}: no upload ${asset.slice(0, 16)}…: upload it with POST /v1/assets first`);
  return { file, asset, path: found };
}

export async function createProduct(deps: ProductDeps, raw: unknown, idempotencyKey: string | null = null): Promise<Created> {
  const body = checkContract(raw, 'product-creation/1');
  const images = body.images.map((ref, i) => upload(deps.assets, ref, `/images/${i}`));
  const page = body.page === undefined ? undefined : upload(deps.assets, body.page, '/page', ['.html']);
  const refusals = await validateProductImages(images);
  if (refusals.length > 0) throw new ProductImagesRefusedError(refusals);
  const snapshot: ProductSnapshot = {
    contract: 'product-creation/1',
    name: body.name.trim(),
    images: images.map(({ file, asset }) => ({ file, asset })),
    ...(page ? { page: { file: page.file, asset: page.asset } } : {}),
    ...(body.category !== undefined ? { category: body.category } : {}),
    ...(body.campaign !== undefined ? { campaign: body.campaign } : {}),
  };
  const flow = deps.resolveFlow(IDENTITY_FLOW);
  const created = await deps.engine.submit({ flow, input: snapshot, idempotencyKey, title: snapshot.name });
  if (!created.created) {
    const earlier = await deps.reads.getTask(created.id);
    if (!earlier || earlier.flowName !== IDENTITY_FLOW || canonicalJson(earlier.input) !== canonicalJson(snapshot)) throw idempotencyReused(created.id);
  } else {
    await deps.snapshots.saveSnapshot({ contract: snapshot.contract, subject: created.id, parent: null, body: snapshot, sha256: sha256(snapshot) });
  }
  return { id: created.id, status: (await deps.reads.readTask(created.id))?.status ?? 'queued' };
}

function idempotencyReused(id: string): SlotflowError {
  return new IdempotencyKeyReusedError(id);
}

async function productTask(deps: ProductDeps, id: string): Promise<TaskRecord> {
  const task = await deps.reads.getTask(id);
  if (!task || task.flowName !== IDENTITY_FLOW) throw new ProductStateError('unknown-product', `no product ${id}`);
  return task;
}

/** The identity a finished product built, by asset id, as an output's snapshot carries it. */
export async function identityOf(deps: ProductDeps, product: TaskRecord): Promise<IdentityRef> {
  const outputs = await deps.reads.outputsOf(product.id, Object.values(IDENTITY));
  const ledger = await deps.reads.listAssets(product.id);
  const ref = (file: { path: string; hash: string }): AssetRef => {
    const a = ledger.find((x) => x.hash === file.hash) ?? ledger.find((x) => x.path === file.path);
    return { id: a?.id ?? 0, kind: a?.kind ?? 'image', path: file.path, hash: file.hash };
  };
  const made = outputs[IDENTITY.neutral] as { neutral: NeutralImage; views?: Array<{ path: string; hash: string }> };
  const sheet = (outputs[IDENTITY.sheet] as { sheet: { path: string; hash: string } }).sheet;
  return {
    product: product.id,
    neutral: { ...ref(made.neutral), width: made.neutral.width, height: made.neutral.height, cutout: made.neutral.cutout },
    views: (made.views ?? []).map(ref),
    sheet: ref(sheet),
    metadata: outputs[IDENTITY.metadata] as ProductMetadata,
    seeds: (outputs[IDENTITY.seeds] as { seeds: StoryboardSeed[] }).seeds,
  };
}

export async function createOutput(deps: ProductDeps, productId: string, raw: unknown, idempotencyKey: string | null = null): Promise<Created> {
  const body = checkContract(raw, 'output-generation/1');
  const product = await productTask(deps, productId);
  const flow = flowForMode(body.mode, deps.modes(), deps.resolveFlow);
  if (product.phase === TaskPhase.failed || product.phase === TaskPhase.cancelled) {
    throw new ProductStateError('product-failed', `product ${product.id} ${product.phase} while its identity was built: create it again`);
  }
  if (product.phase !== TaskPhase.completed) {
    throw new ProductStateError('product-not-ready', `product ${product.id} is still building its identity (${product.status}): ask again when it has finished`);
  }
  const request = { product: product.id, mode: body.mode, prompt: body.prompt?.trim() ?? '', options: body.options ?? {} };
  // The schema checks the size's shape; its limit (3840) is the frame's, refused here before any task exists.
  frameFor(request.options as Record<string, unknown>);
  const snapshot: OutputSnapshot = { contract: 'output-generation/1', ...request, mode: body.mode as OutputMode, identity: await identityOf(deps, product) };
  const created = await deps.engine.submit({ flow, input: snapshot, idempotencyKey, title: `${product.title ?? 'product'}: ${body.mode}` });
  if (!created.created) {
    const earlier = (await deps.reads.getTask(created.id))?.input as Partial<OutputSnapshot> | undefined;
    // A stage retry numbers itself in the task's options; the request did not say it.
    const options = { ...earlier?.options };
    delete options.retry;
    const same = earlier && canonicalJson({ product: earlier.product, mode: earlier.mode, prompt: earlier.prompt, options }) === canonicalJson(request);
    if (!same) throw idempotencyReused(created.id);
  } else {
    await deps.snapshots.saveSnapshot({ contract: snapshot.contract, subject: created.id, parent: product.id, body: snapshot, sha256: sha256(snapshot) });
  }
  return { id: created.id, status: (await deps.reads.readTask(created.id))?.status ?? 'queued' };
}

/** An asset as the views show it: its graph inputs resolved to asset ids, uploads and snapshot fields. */
export interface AssetView {
  id: number;
  kind: string;
  inputs: string[];
  stage: string;
  provider: string;
  hash: string;
  component: string;
  scene: number | null;
  scores: Record<string, unknown> | null;
  url: string;
}

/** `sha256:<h>` → the id of the asset with that hash (identity first), a stored upload's → `upload:<file>`; others stay. */
export function resolver(graph: readonly StoredAsset[], uploads: ReadonlyMap<string, string>): (input: string) => string {
  const byHash = new Map<string, number>();
  for (const a of graph) if (!byHash.has(a.hash)) byHash.set(a.hash, a.id);
  return (input) => {
    if (!input.startsWith('sha256:')) return input;
    const hash = input.slice('sha256:'.length);
    const id = byHash.get(hash);
    if (id !== undefined) return String(id);
    const file = uploads.get(hash);
    return file !== undefined ? `upload:${file}` : input;
  };
}

function uploadsOf(snapshot: ProductSnapshot | undefined): Map<string, string> {
  const uploads = new Map<string, string>();
  for (const u of [...(snapshot?.images ?? []), ...(snapshot?.page ? [snapshot.page] : [])]) uploads.set(u.asset.slice(0, 64), u.file);
  return uploads;
}

export function assetView(a: StoredAsset, resolve: (input: string) => string): AssetView {
  return {
    id: a.id, kind: a.kind, inputs: (a.inputs ?? []).map(resolve), stage: stageName(a.stage ?? a.component), provider: a.provider, hash: a.hash,
    component: a.component, scene: a.scene, scores: a.scores ?? null, url: `/v1/assets/${a.id}`,
  };
}

export interface ProductView {
  id: string;
  status: string;
  phase: string;
  name: string;
  metadata: ProductMetadata | null;
  assets: AssetView[];
  outputs: Array<{ id: string; mode: string; status: string }>;
}

export async function productView(deps: ProductDeps, id: string): Promise<ProductView> {
  const task = await productTask(deps, id);
  const snapshot = task.input as ProductSnapshot;
  const ledger = await deps.reads.listAssets(task.id);
  const resolve = resolver(ledger, uploadsOf(snapshot));
  const metadata = task.phase === TaskPhase.completed || ledger.length > 0 ? ((await deps.reads.outputsOf(task.id, [IDENTITY.metadata]))[IDENTITY.metadata] as ProductMetadata | undefined) : undefined;
  const outputs = [];
  for (const s of await deps.snapshots.listSnapshotsUnder(task.id)) {
    if (s.contract !== 'output-generation/1') continue;
    const out = await deps.reads.readTask(s.subject);
    outputs.push({ id: s.subject, mode: (s.body as OutputSnapshot).mode, status: out?.status ?? 'unknown' });
  }
  return { id: task.id, status: task.status, phase: task.phase, name: snapshot.name, metadata: metadata ?? null, assets: ledger.map((a) => assetView(a, resolve)), outputs };
}

export interface OutputView {
  id: string;
  product: string;
  mode: string;
  status: string;
  phase: string;
  stage: string;
  waiting_for: null;
  video?: string | null;
  bundle?: string | null;
  scenes: Array<{ scene: number; status: string; phase: string; take: number; image: { id: number; url: string } | null; scores: Record<string, unknown> | null }>;
  assets: AssetView[];
  approvals: [];
  error: TaskRecord['error'];
}

async function outputTask(deps: ProductDeps, id: string): Promise<TaskRecord> {
  const task = await deps.reads.getTask(id);
  // Presenter outputs (presenter-output/1) are outputs too: retried and downloaded here, viewed by src/presenter/service.ts.
  const contract = (task?.input as { contract?: unknown } | null | undefined)?.contract;
  if (!task || task.parentId !== null || (contract !== 'output-generation/1' && contract !== 'presenter-output/1')) throw new ProductStateError('unknown-output', `no output ${id}`);
  return task;
}

/** What a finished output offers for download, and where it is. */
export async function outputFile(deps: ProductDeps, id: string, kind: 'video' | 'bundle'): Promise<string | undefined> {
  const task = await outputTask(deps, id);
  if (task.phase !== TaskPhase.completed) return undefined;
  const flow = await deps.flows.byHashOrThrow(task.flowHash);
  const outputs = await deps.reads.outputsOf(task.id, flow.components.map((c) => c.name));
  for (const c of [...flow.components].reverse()) {
    const made = (outputs[c.name] as Record<string, { path?: unknown } | string | undefined> | undefined)?.[kind];
    // A product stage answers `{ path }`; a presenter stage (Enhance) the path itself.
    const file = typeof made === 'string' ? made : made?.path;
    if (typeof file === 'string') return file;
  }
  return undefined;
}

export async function outputView(deps: ProductDeps, id: string): Promise<OutputView> {
  const task = await outputTask(deps, id);
  const snapshot = task.input as OutputSnapshot;
  const flow = await deps.flows.byHashOrThrow(task.flowHash);
  const children = (await deps.reads.listTakes(task.id)).filter((c) => c.chosen).sort((a, b) => (a.sceneIndex ?? 0) - (b.sceneIndex ?? 0));
  const stage = await stageOf(deps, flow, task, children);
  const [identity, own] = [await deps.reads.listAssets(snapshot.product), await deps.reads.listAssets(task.id)];
  const sceneAssets = await Promise.all(children.map((c) => deps.reads.listAssets(c.id)));
  const productSnapshot = (await deps.reads.getTask(snapshot.product))?.input as ProductSnapshot | undefined;
  const resolve = resolver([...identity, ...own, ...sceneAssets.flat()], uploadsOf(productSnapshot));
  const scenes = children.map((c, i) => {
    // The scene's picture: the last image it recorded (after any regeneration for fidelity).
    const image = sceneAssets[i]!.filter((a) => a.kind === 'scene-image' || a.kind === 'image').at(-1);
    return {
      scene: (c.sceneIndex ?? i) + 1, status: c.status, phase: c.phase, take: c.take,
      image: image ? { id: image.id, url: `/v1/assets/${image.id}` } : null, scores: image?.scores ?? null,
    };
  });
  const kind = snapshot.mode === 'image_bundle' ? 'bundle' : 'video';
  const file = await outputFile(deps, task.id, kind);
  return {
    id: task.id, product: snapshot.product, mode: snapshot.mode, status: task.status, phase: task.phase, stage, waiting_for: null,
    [kind]: file ? `/v1/outputs/${task.id}/${kind}` : null,
    scenes, assets: [...own, ...sceneAssets.flat()].map((a) => assetView(a, resolve)), approvals: [], error: task.error,
  };
}

/** The kebab-case name of the earliest component not finished (inside a fan-out: its scenes' earliest), or `done`. */
async function stageOf(deps: ProductDeps, flow: CompiledFlow, task: TaskRecord, children: readonly TaskRecord[]): Promise<string> {
  const snap = await deps.reads.readTask(task.id);
  const word = snap?.word ?? 0n;
  for (const c of flow.components) {
    const state = componentState(word, c);
    if (state === SlotState.succeeded || state === SlotState.skipped) continue;
    if (c.kind === 'fanout' && children.length > 0) {
      const childFlow = await deps.flows.byHashOrThrow(children[0]!.flowHash);
      for (const cc of childFlow.components) {
        for (const child of children) {
          const cs = componentState((await deps.reads.readTask(child.id))?.word ?? 0n, cc);
          if (cs !== SlotState.succeeded && cs !== SlotState.skipped) return stageName(cc.name);
        }
      }
    }
    return stageName(c.name);
  }
  return 'done';
}

/** The stages of an output's flow and of its scene flow, in flow order, each with the component it names. */
async function stagesOf(deps: ProductDeps, flow: CompiledFlow): Promise<Array<{ stage: string; component: string; fanOut?: string }>> {
  const stages: Array<{ stage: string; component: string; fanOut?: string }> = [];
  for (const c of flow.components) {
    stages.push({ stage: stageName(c.name), component: c.name });
    if (c.kind === 'fanout' && c.fanOut) {
      const child = deps.resolveFlow(c.fanOut.flow);
      for (const cc of child.components) stages.push({ stage: stageName(cc.name), component: cc.name, fanOut: c.name });
    }
  }
  return stages;
}

/**
 * Runs part of an ended output again: a stage of the output's own flow and what follows it, as `task resume
 * --from` does; a stage of its scene flow for every scene (a resume of the fan-out); with `scene`, that scene
 * only, as a new take (`task regenerate --scene`): the other scenes and everything upstream are kept, then
 * what follows the scenes runs again.
 */
export async function retryOutput(deps: ProductDeps, id: string, raw: unknown): Promise<Created> {
  const body = checkContract(raw, 'output-retry/1');
  const task = await outputTask(deps, id);
  const flow = await deps.flows.byHashOrThrow(task.flowHash);
  const stages = await stagesOf(deps, flow);
  const names = [...new Set(stages.map((s) => s.stage))];
  const match = stages.find((s) => s.stage === body.from && (body.scene === undefined || s.fanOut !== undefined || flow.byName.get(s.component)?.kind === 'fanout'));
  if (!match) {
    const what = stages.some((s) => s.stage === body.from) ? `stage ${body.from} has no scenes` : `unknown stage ${body.from}`;
    throw new ProductStateError('unknown-stage', `${what}; the stages are ${names.join(', ')}`, { stages: names });
  }
  if (!isTerminal(task.phase)) throw new ProductStateError('task-busy', `output ${task.id} is ${task.status}: wait until it has finished`);
  const component = match.fanOut ?? match.component;
  const sceneIndex = body.scene === undefined ? undefined : body.scene - 1;
  if (sceneIndex !== undefined) {
    const scenes = (await deps.reads.listTakes(task.id)).filter((c) => c.chosen);
    if (!scenes.some((c) => c.sceneIndex === sceneIndex)) throw new ProductStateError('unknown-scene', `output ${task.id} has no scene ${body.scene}; it has ${scenes.length}`);
  }
  if (sceneIndex !== undefined) {
    // A new take of the scene, as `task regenerate` makes one: its input differs from the first take's, so the
    // scene is made again instead of answered from the result cache, which a resume of the same input would be.
    await deps.engine.regenerateScene(task.id, sceneIndex, {});
  } else {
    // A stage retry runs fresh: the retry's number is set in the output's options (the task input, not its
    // stored snapshot), so every component it clears keys its cached output anew and draws new seeds.
    const retries = (await deps.snapshots.listSnapshots(task.id)).filter((s) => s.contract === body.contract && (s.body as { scene?: number }).scene === undefined).length;
    const result = await deps.engine.resume(task.id, component, undefined, { retry: retries + 1 });
    if (result && 'rejected' in result) throw new ProductStateError('task-busy', `output ${task.id}: the retry was refused (${result.rejected})`);
  }
  const owner = task.input as { product?: string; presenter?: string };
  await deps.snapshots.saveSnapshot({ contract: body.contract, subject: task.id, parent: owner.product ?? owner.presenter ?? null, body, sha256: sha256(body) });
  return { id: task.id, status: (await deps.reads.readTask(task.id))?.status ?? task.status };
}
