import { createHash } from 'node:crypto';
import path from 'node:path';
import { canonicalJson, type CompiledFlow } from '../core/flow/compile.ts';
import { TaskPhase } from '../core/engine/task.ts';
import { SlotState } from '../core/slot.ts';
import { componentState } from '../core/word.ts';
import type { StoredAsset } from '../core/ports/assets.ts';
import type { TaskRecord } from '../core/ports/read-model.ts';
import type { Engine } from '../runtime/engine.ts';
import { checkContract } from '../product/contracts.ts';
import { IdempotencyKeyReusedError, ProductStateError, UnknownUploadError } from '../product/errors.ts';
import { assetView, type AssetView, type Created, outputFile, type ProductDeps, resolver, stageName } from '../product/service.ts';
import { type ApprovalRecord, approvalsOf, decideApproval, stageOfGate } from './approvals.ts';
import { PresenterPhotosRefusedError, PresenterStateError, type PortraitRefusalView } from './errors.ts';
import { PortraitRefusal } from './identity/errors.ts';
import { MAX_PORTRAITS, MIN_PORTRAITS, validatePortrait } from './identity/validate-portraits.ts';
import type { PresenterScript } from './routes/script.ts';
import type { PresenterOutputSnapshot, PresenterRoute } from './routes/snapshot.ts';
import type { PresenterStoryboard } from './routes/storyboard.ts';
import { type StageState, stageLabel, stageStates } from './stage-view.ts';
import type { NeutralPortrait, PresenterIdentityRef, PresenterSnapshot, VoiceProfile } from './types.ts';

/**
 * Presenter videos' service, the one place both the HTTP routes and the command line call, mirroring product
 * creative's (`src/product/service.ts`): create a presenter (a task of `presenter-identity` whose input is the
 * stored presenter-creation snapshot; every photo checked first, all refusals told at once), create an output (a
 * task of the flow its route names, whose input is the presenter-output snapshot with the identity copied in as
 * references by asset id: no output rebuilds the identity), the presenter and output views, and approvals.
 * Retries and downloads are the product service's, which take presenter outputs too.
 */

export const PRESENTER_FLOW = 'presenter-identity';
export const PRESENTER_OUTPUT_CONTRACT = 'presenter-output/1';

/** The identity components and what each makes. */
const IDENTITY = { portrait: 'PresenterPortrait', sheet: 'PresenterSheet', voice: 'PresenterVoice' } as const;

/** What a voice sample may be stored as (`POST /v1/assets` with `audio/wav` or `audio/mpeg`, or the CLI's file). */
const SAMPLE_EXTS = ['.wav', '.mp3', '.ogg'] as const;
const PHOTO_EXTS = ['.jpg', '.jpeg', '.png', '.webp', '.bin'] as const;

export interface PresenterDeps extends ProductDeps {
  engine: ProductDeps['engine'] & Pick<Engine, 'decide'>;
  /** Route → flow name (flows/presenter-routes.json). */
  routes: () => Readonly<Record<string, string>>;
}

function sha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** A stored upload's path; `pointer` says where the request named it. */
function stored(deps: PresenterDeps, ref: { file: string; asset: string }, pointer: string, exts: readonly string[], what: string): string {
  if (!exts.includes(path.extname(ref.asset))) throw new UnknownUploadError(pointer, `${pointer}: ${ref.file.slice(0, 80)} is not ${what} upload (${exts.join(', ')})`);
  const found = deps.assets.pathOf(ref.asset);
  if (!found) throw new UnknownUploadError(pointer, `${pointer}: no upload ${ref.asset.slice(0, 16)}…: upload it with POST /v1/assets first`);
  return found;
}

export async function createPresenter(deps: PresenterDeps, raw: unknown, idempotencyKey: string | null = null): Promise<Created> {
  const body = checkContract(raw, 'presenter-creation/1');
  const photos = body.photos.map((ref, i) => ({ file: ref.file, path: stored(deps, ref, `/photos/${i}`, PHOTO_EXTS, 'an image') }));
  stored(deps, body.voice_sample, '/voice_sample', SAMPLE_EXTS, 'an audio');
  const refusals: PortraitRefusalView[] = [];
  if (photos.length < MIN_PORTRAITS || photos.length > MAX_PORTRAITS) refusals.push({ file: '', code: 'portrait-count', reason: `a presenter takes ${MIN_PORTRAITS} to ${MAX_PORTRAITS} portrait photos` });
  for (const photo of photos) {
    try {
      await validatePortrait(photo);
    } catch (e) {
      if (!(e instanceof PortraitRefusal)) throw e;
      refusals.push({ file: e.file, code: e.code, reason: e.reason });
    }
  }
  if (refusals.length > 0) throw new PresenterPhotosRefusedError(refusals);
  const snapshot: PresenterSnapshot = {
    contract: 'presenter-creation/1',
    name: body.name.trim(),
    photos: body.photos.map(({ file, asset }) => ({ file, asset })),
    voice_sample: { file: body.voice_sample.file, asset: body.voice_sample.asset },
    ...(body.voice ? { voice: { ...body.voice } } : {}),
  };
  const created = await deps.engine.submit({ flow: deps.resolveFlow(PRESENTER_FLOW), input: snapshot, idempotencyKey, title: snapshot.name });
  if (!created.created) {
    const earlier = await deps.reads.getTask(created.id);
    if (!earlier || earlier.flowName !== PRESENTER_FLOW || canonicalJson(earlier.input) !== canonicalJson(snapshot)) throw new IdempotencyKeyReusedError(created.id);
  } else {
    await deps.snapshots.saveSnapshot({ contract: snapshot.contract, subject: created.id, parent: null, body: snapshot, sha256: sha256(snapshot) });
  }
  return { id: created.id, status: (await deps.reads.readTask(created.id))?.status ?? 'queued' };
}

async function presenterTask(deps: PresenterDeps, id: string): Promise<TaskRecord> {
  const task = await deps.reads.getTask(id);
  if (!task || task.flowName !== PRESENTER_FLOW) throw new PresenterStateError('unknown-presenter', `no presenter ${id.slice(0, 40)}`);
  return task;
}

/** The identity a finished presenter built, each part by its asset id in the presenter's ledger. */
export async function presenterIdentityOf(deps: PresenterDeps, presenter: TaskRecord): Promise<PresenterIdentityRef> {
  const outputs = await deps.reads.outputsOf(presenter.id, Object.values(IDENTITY));
  const ledger = await deps.reads.listAssets(presenter.id);
  const idOf = (hash: string, kind: string) => ledger.find((a) => a.hash === hash)?.id ?? ledger.find((a) => a.kind === kind)?.id ?? 0;
  const made = outputs[IDENTITY.portrait] as { portrait: NeutralPortrait; views: NeutralPortrait[] };
  const framed = (p: NeutralPortrait) => ({ id: idOf(p.hash, 'portrait'), kind: 'portrait', path: p.path, hash: p.hash, width: p.width, height: p.height, face: p.face });
  const sheet = (outputs[IDENTITY.sheet] as { sheet: { path: string; hash: string; width: number; height: number } }).sheet;
  const profile = outputs[IDENTITY.voice] as VoiceProfile;
  // The profile is stored as JSON by PresenterVoice: its ledger entry is the reference.
  const voice = ledger.find((a) => a.kind === 'voice-profile');
  return {
    presenter: presenter.id,
    name: (presenter.input as PresenterSnapshot).name,
    portrait: framed(made.portrait),
    views: made.views.map(framed),
    sheet: { id: idOf(sheet.hash, 'character-sheet'), kind: 'character-sheet', path: sheet.path, hash: sheet.hash, width: sheet.width, height: sheet.height },
    voice: { id: voice?.id ?? 0, kind: 'voice-profile', path: voice?.path ?? '', hash: voice?.hash ?? '', profile },
  };
}

/** The flow a route names (flows/presenter-routes.json); the contract's enum has refused any other route already. */
function flowForRoute(deps: PresenterDeps, route: PresenterRoute): CompiledFlow {
  const name = deps.routes()[route];
  if (!name) throw new ProductStateError('unknown-stage', `route ${route} has no flow in flows/presenter-routes.json`);
  return deps.resolveFlow(name);
}

export async function createPresenterOutput(deps: PresenterDeps, presenterId: string, raw: unknown, idempotencyKey: string | null = null): Promise<Created> {
  const body = checkContract(raw, 'presenter-output/1');
  const presenter = await presenterTask(deps, presenterId);
  const flow = flowForRoute(deps, body.route);
  if (presenter.phase === TaskPhase.failed || presenter.phase === TaskPhase.cancelled) {
    throw new PresenterStateError('presenter-failed', `presenter ${presenter.id} ${presenter.phase} while its identity was built: create it again`);
  }
  if (presenter.phase !== TaskPhase.completed) {
    throw new PresenterStateError('presenter-not-ready', `presenter ${presenter.id} is still building its identity (${presenter.status}): ask again when it has finished`);
  }
  const request = { presenter: presenter.id, route: body.route, script: body.script, options: body.options ?? {} };
  const snapshot: PresenterOutputSnapshot = { contract: PRESENTER_OUTPUT_CONTRACT, ...request, identity: await presenterIdentityOf(deps, presenter) };
  const name = (presenter.input as PresenterSnapshot).name;
  const created = await deps.engine.submit({ flow, input: snapshot, idempotencyKey, title: `${name}: ${body.route}` });
  if (!created.created) {
    const earlier = (await deps.reads.getTask(created.id))?.input as Partial<PresenterOutputSnapshot> | undefined;
    const same = earlier && canonicalJson({ presenter: earlier.presenter, route: earlier.route, script: earlier.script, options: earlier.options }) === canonicalJson(request);
    if (!same) throw new IdempotencyKeyReusedError(created.id);
  } else {
    await deps.snapshots.saveSnapshot({ contract: snapshot.contract, subject: created.id, parent: presenter.id, body: snapshot, sha256: sha256(snapshot) });
  }
  return { id: created.id, status: (await deps.reads.readTask(created.id))?.status ?? 'queued' };
}

/** The graph's inputs resolved as the product view resolves them; the presenter's uploads are its photos and voice sample. */
function presenterResolver(graph: readonly StoredAsset[], snapshot: PresenterSnapshot | undefined): (input: string) => string {
  const uploads = new Map<string, string>();
  for (const u of [...(snapshot?.photos ?? []), ...(snapshot?.voice_sample ? [snapshot.voice_sample] : [])]) uploads.set(u.asset.slice(0, 64), u.file);
  return resolver(graph, uploads);
}

export interface PresenterView {
  id: string;
  status: string;
  phase: string;
  name: string;
  metadata: { photos: string[]; voice_sample: string; language: string; voice: VoiceProfile | null; portrait: { width: number; height: number } | null };
  assets: AssetView[];
  outputs: Array<{ id: string; route: string; status: string }>;
}

export async function presenterView(deps: PresenterDeps, id: string): Promise<PresenterView> {
  const task = await presenterTask(deps, id);
  const snapshot = task.input as PresenterSnapshot;
  const ledger = await deps.reads.listAssets(task.id);
  const resolve = presenterResolver(ledger, snapshot);
  const made = ledger.length > 0 ? await deps.reads.outputsOf(task.id, [IDENTITY.portrait, IDENTITY.voice]) : {};
  const portrait = (made[IDENTITY.portrait] as { portrait?: NeutralPortrait } | undefined)?.portrait;
  const outputs = [];
  for (const s of await deps.snapshots.listSnapshotsUnder(task.id)) {
    if (s.contract !== PRESENTER_OUTPUT_CONTRACT) continue;
    const out = await deps.reads.readTask(s.subject);
    outputs.push({ id: s.subject, route: (s.body as PresenterOutputSnapshot).route, status: out?.status ?? 'unknown' });
  }
  return {
    id: task.id, status: task.status, phase: task.phase, name: snapshot.name,
    metadata: {
      photos: snapshot.photos.map((p) => p.file), voice_sample: snapshot.voice_sample.file, language: snapshot.voice?.language ?? 'en',
      voice: (made[IDENTITY.voice] as VoiceProfile | undefined) ?? null, portrait: portrait ? { width: portrait.width, height: portrait.height } : null,
    },
    assets: ledger.map((a) => assetView(a, resolve)), outputs,
  };
}

export const DEFAULT_PRESENTER_LIST = 20;
export const MAX_PRESENTER_LIST = 100;

export interface PresenterSummary {
  id: string;
  name: string;
  status: string;
  phase: string;
  created_at: string;
}

/** `GET /v1/presenters`: the presenters, newest first, at most `limit` (1 to MAX_PRESENTER_LIST). */
export async function listPresenters(deps: Pick<PresenterDeps, 'reads'>, limit = DEFAULT_PRESENTER_LIST): Promise<PresenterSummary[]> {
  const tasks = await deps.reads.listTasks({ flow: PRESENTER_FLOW, topLevel: true, limit });
  return tasks.map((t) => ({ id: t.id, name: (t.input as Partial<PresenterSnapshot> | null)?.name ?? t.title ?? '', status: t.status, phase: t.phase, created_at: t.createdAt.toISOString() }));
}

export interface PresenterOutputView {
  id: string;
  presenter: string;
  route: string;
  status: string;
  phase: string;
  stage: string;
  /** The creative stage whose approval gate the output waits at, or null. */
  waiting_for: string | null;
  video: string | null;
  scenes: Array<{ scene: number; status: string; phase: string; take: number; kind: string | null; pose: string | null; segment: { id: number; url: string } | null }>;
  assets: AssetView[];
  approvals: Array<{ stage: string; approved: boolean; reason: string | null; at: string }>;
  error: TaskRecord['error'];
  /** The stage the output is at in words, the flows' module statuses: `building storyboard`, `generating audio`, `done`. */
  stage_label: string;
  /** Each stage's state, attempts and last error: the route's, then each scene's (`stage-view.ts`). */
  stages: StageState[];
  /** What the script stage made, once it has: the transcript and its scenes with their estimated timing. */
  script: ScriptSummary | null;
  /** What the storyboard stage made, once it has: the scenes planned with their kind, pose, narration and timing. */
  storyboard: StoryboardSummary | null;
}

export interface ScriptSummary {
  language: string;
  transcript: string;
  duration_sec: number;
  scenes: Array<{ scene: number; text: string; pose: string | null; start_sec: number; duration_sec: number }>;
}

export interface StoryboardSummary {
  plan: string;
  revision: { number: number; reason: string } | null;
  scenes: Array<{ scene: number; kind: string; pose: string | null; narration: string; background: boolean; start_sec: number | null; duration_sec: number | null }>;
}

function scriptSummary(made: unknown): ScriptSummary | null {
  const s = made as PresenterScript | undefined;
  if (!s || !Array.isArray(s.scenes)) return null;
  return {
    language: s.language, transcript: s.transcript, duration_sec: s.duration_sec,
    scenes: s.scenes.map((x) => ({ scene: x.scene, text: x.text, pose: x.pose ?? null, start_sec: x.start_sec, duration_sec: x.duration_sec })),
  };
}

function storyboardSummary(made: unknown): StoryboardSummary | null {
  const b = made as PresenterStoryboard | undefined;
  if (!b || !Array.isArray(b.scenes)) return null;
  return {
    plan: b.plan, revision: b.revision ?? null,
    scenes: b.scenes.map((x) => {
      const t = b.timing?.find((y) => y.scene === x.scene);
      // A background is an asset path: the view says whether one was chosen, never where it is stored.
      return { scene: x.scene, kind: x.kind, pose: x.pose ?? null, narration: x.narration, background: typeof x.background === 'string', start_sec: t?.start_sec ?? null, duration_sec: t?.duration_sec ?? null };
    }),
  };
}

/** Whether a task is a presenter output (the output routes and commands serve products' and presenters' alike). */
export async function isPresenterOutput(deps: Pick<PresenterDeps, 'reads'>, id: string): Promise<boolean> {
  const task = await deps.reads.getTask(id);
  return !!task && task.parentId === null && (task.input as { contract?: unknown } | null)?.contract === PRESENTER_OUTPUT_CONTRACT;
}

async function presenterOutputTask(deps: Pick<ProductDeps, 'reads'>, id: string): Promise<TaskRecord> {
  const task = await deps.reads.getTask(id);
  if (!task || task.parentId !== null || (task.input as { contract?: unknown } | null)?.contract !== PRESENTER_OUTPUT_CONTRACT) {
    throw new ProductStateError('unknown-output', `no presenter output ${id.slice(0, 40)}`);
  }
  return task;
}

export async function presenterOutputView(deps: ProductDeps, id: string): Promise<PresenterOutputView> {
  const task = await presenterOutputTask(deps, id);
  const snapshot = task.input as PresenterOutputSnapshot;
  const flow = await deps.flows.byHashOrThrow(task.flowHash);
  const snap = await deps.reads.readTask(task.id);
  const inFlight = snap?.inFlight ?? 0n;
  const gate = flow.components.find((c) => c.kind === 'approval' && (inFlight & c.successBit) !== 0n);
  const children = (await deps.reads.listTakes(task.id)).filter((c) => c.chosen).sort((a, b) => (a.sceneIndex ?? 0) - (b.sceneIndex ?? 0));
  const [identity, own] = [await deps.reads.listAssets(snapshot.presenter), await deps.reads.listAssets(task.id)];
  const sceneAssets = await Promise.all(children.map((c) => deps.reads.listAssets(c.id)));
  const resolve = presenterResolver([...identity, ...own, ...sceneAssets.flat()], (await deps.reads.getTask(snapshot.presenter))?.input as PresenterSnapshot | undefined);
  const scenes = await Promise.all(children.map(async (c, i) => {
    // LipSync is the scene's last stage: its output is the scene as stitched (a presenter scene or b-roll).
    const made = (await deps.reads.outputsOf(c.id, ['LipSync'])).LipSync as { kind?: string; metadata?: { pose?: string } } | undefined;
    const segment = sceneAssets[i]!.filter((a) => a.kind === 'scene').at(-1);
    return {
      scene: (c.sceneIndex ?? i) + 1, status: c.status, phase: c.phase, take: c.take, kind: made?.kind ?? null, pose: made?.metadata?.pose ?? null,
      segment: segment ? { id: segment.id, url: `/v1/assets/${segment.id}` } : null,
    };
  }));
  const file = await outputFile(deps, task.id, 'video');
  const approvals = (await approvalsOf(deps.snapshots, task.id)).map((a: ApprovalRecord) => ({ stage: a.stage, approved: a.approved, reason: a.reason ?? null, at: a.at }));
  // The word as the view read it (snap), the runs for each stage's last error and times.
  const staged = { word: snap?.word ?? task.word, inFlight, attempts: snap?.attempts ?? task.attempts, runs: await deps.reads.listRuns(task.id), phase: task.phase };
  const sceneFlow = children.length > 0 ? await deps.flows.byHashOrThrow(children[0]!.flowHash) : null;
  const stagedScenes = await Promise.all(children.map(async (c, i) => ({ scene: (c.sceneIndex ?? i) + 1, word: c.word, inFlight: c.inFlight, attempts: c.attempts, runs: await deps.reads.listRuns(c.id) })));
  // A stage made again (a rejection, a retry) shows nothing until its new output is in.
  const stages = stageStates(flow, staged, sceneFlow, stagedScenes);
  const madeNow = stages.filter((x) => x.scene === null && x.state === SlotState.succeeded).map((x) => x.component);
  const made = await deps.reads.outputsOf(task.id, ['Script', 'Storyboard'].filter((c) => madeNow.includes(c)));
  return {
    id: task.id, presenter: snapshot.presenter, route: snapshot.route, status: task.status, phase: task.phase,
    stage: await stageOfOutput(deps, flow, snap?.word ?? 0n, children), waiting_for: gate ? (stageOfGate(gate.name) ?? stageName(gate.name)) : null,
    video: file ? `/v1/outputs/${task.id}/video` : null, scenes, assets: [...own, ...sceneAssets.flat()].map((a) => assetView(a, resolve)), approvals, error: task.error,
    stage_label: stageLabel(flow, staged, sceneFlow, stagedScenes), stages,
    script: scriptSummary(made.Script), storyboard: storyboardSummary(made.Storyboard),
  };
}

/** The kebab-case name of the earliest component not finished (inside a fan-out: its scenes' earliest), or `done`. */
async function stageOfOutput(deps: Pick<ProductDeps, 'reads' | 'flows'>, flow: CompiledFlow, word: bigint, children: readonly TaskRecord[]): Promise<string> {
  const done = (w: bigint, c: CompiledFlow['components'][number]) => {
    const s = componentState(w, c);
    return s === SlotState.succeeded || s === SlotState.skipped;
  };
  for (const c of flow.components) {
    if (done(word, c)) continue;
    if (c.kind === 'fanout' && children.length > 0) {
      const childFlow = await deps.flows.byHashOrThrow(children[0]!.flowHash);
      for (const cc of childFlow.components) {
        for (const child of children) if (!done((await deps.reads.readTask(child.id))?.word ?? 0n, cc)) return stageName(cc.name);
      }
    }
    return stageName(c.name);
  }
  return 'done';
}

/** `POST /v1/outputs/:id/approvals/:stage`: the body checked against `approval/1` (its `contract` may be left out). */
export async function approveOutput(deps: PresenterDeps, id: string, stage: string, raw: unknown): Promise<Created> {
  const given = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !('contract' in raw) ? { contract: 'approval/1', ...raw } : raw;
  const body = checkContract(given, 'approval/1');
  await presenterOutputTask(deps, id);
  return decideApproval(deps, id, stage, { approved: body.approved, ...(body.reason !== undefined ? { reason: body.reason } : {}) });
}
