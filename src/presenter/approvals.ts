import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/flow/compile.ts';
import type { FlowLookup } from '../core/ports/flow-versions.ts';
import type { TaskReadModel } from '../core/ports/read-model.ts';
import type { Snapshots } from '../core/ports/snapshots.ts';
import { SlotflowError } from '../core/errors.ts';
import type { Engine } from '../runtime/engine.ts';
import type { PresenterOutputSnapshot } from './routes/snapshot.ts';

/**
 * Approvals of a presenter output's creative stages. Each stage's gate is the component `<Stage>Approval` of the
 * route's flow (`kind: approval`). An approval succeeds the gate and the stages after it run. A rejection must say
 * why: it fails the gate (the engine's rejection), then the output resumes from the stage the gate reviews
 * (`REVIEWED`), with the reason and the revision number in the options as the retry context (`options.retry`);
 * that stage and what depends on it run again, everything upstream (the script, the identity) is kept, and the new
 * take stops at the same gate. Every decision is stored as an `approval/1` snapshot of the output, oldest first.
 */

export const APPROVAL_STAGES = ['script', 'storyboard', 'background', 'video'] as const;
export type ApprovalStage = (typeof APPROVAL_STAGES)[number];

/** The component each gate reviews: a rejection makes it again. */
const REVIEWED: Readonly<Record<ApprovalStage, string>> = { script: 'Script', storyboard: 'Storyboard', background: 'Backgrounds', video: 'Stitch' };
export const MAX_REASON_CHARS = 2000;

export interface ApprovalRecord {
  contract: 'approval/1';
  stage: ApprovalStage;
  approved: boolean;
  reason?: string;
  at: string;
}

export class ApprovalError extends SlotflowError {
  override name = 'ApprovalError';
  constructor(code: 'unknown-stage' | 'invalid-approval' | 'unknown-output', message: string, readonly stage?: string) {
    super(message, { code });
  }
}

export interface ApprovalDeps {
  engine: Pick<Engine, 'decide' | 'resume'>;
  reads: TaskReadModel;
  snapshots: Snapshots;
  flows: FlowLookup;
}

export function gateOf(stage: ApprovalStage): string {
  return `${stage[0]!.toUpperCase()}${stage.slice(1)}Approval`;
}

/** The stage a gate component reviews (`StoryboardApproval` → `storyboard`), or undefined for any other component. */
export function stageOfGate(component: string): ApprovalStage | undefined {
  return APPROVAL_STAGES.find((s) => gateOf(s) === component);
}

/** `{ approved: true }` or `{ approved: false, reason }`, checked before anything changes. */
export function checkDecision(raw: unknown): { approved: boolean; reason?: string } {
  const body = raw as { approved?: unknown; reason?: unknown } | null;
  if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.approved !== 'boolean') {
    throw new ApprovalError('invalid-approval', 'an approval is { "approved": true } or { "approved": false, "reason": "…" }');
  }
  const extra = Object.keys(body).filter((k) => k !== 'approved' && k !== 'reason' && k !== 'contract');
  if (extra.length > 0) throw new ApprovalError('invalid-approval', `an approval has no field ${extra[0]!.slice(0, 40)}`);
  if (body.reason !== undefined && typeof body.reason !== 'string') throw new ApprovalError('invalid-approval', 'reason must be a string');
  const reason = typeof body.reason === 'string' ? body.reason.trim() : undefined;
  if (reason && reason.length > MAX_REASON_CHARS) throw new ApprovalError('invalid-approval', `reason is longer than ${MAX_REASON_CHARS} characters`);
  if (!body.approved && !reason) throw new ApprovalError('invalid-approval', 'a rejection needs a reason: it is what the stage is made again with');
  return { approved: body.approved, ...(reason ? { reason } : {}) };
}

export async function approvalsOf(snapshots: Snapshots, outputId: string): Promise<ApprovalRecord[]> {
  return (await snapshots.listSnapshots(outputId)).filter((s) => s.contract === 'approval/1').map((s) => s.body as ApprovalRecord);
}

/** Approves or rejects the stage an output waits at; answers the output's status after. */
export async function decideApproval(deps: ApprovalDeps, outputId: string, stageName: string, raw: unknown): Promise<{ id: string; status: string }> {
  const decision = checkDecision(raw);
  const task = await deps.reads.getTask(outputId);
  const snapshot = task?.input as Partial<PresenterOutputSnapshot> | undefined;
  if (!task || snapshot?.contract !== 'presenter-output/1') throw new ApprovalError('unknown-output', `no presenter output ${outputId.slice(0, 40)}`);
  const flow = await deps.flows.byHashOrThrow(task.flowHash);
  const gates = flow.components.map((c) => (c.kind === 'approval' ? stageOfGate(c.name) : undefined)).filter((s): s is ApprovalStage => s !== undefined);
  const stage = gates.find((s) => s === stageName);
  if (!stage) {
    throw new ApprovalError('unknown-stage', gates.length === 0
      ? `output ${task.id} (route ${snapshot.route}) has no approval stages`
      : `unknown approval stage ${stageName.slice(0, 40)}; this output's are ${gates.join(', ')}`, stageName);
  }
  // The engine refuses a gate that is not waiting (`not-waiting`) before anything is stored.
  await deps.engine.decide(task.id, gateOf(stage), decision);
  const record: ApprovalRecord = { contract: 'approval/1', stage, approved: decision.approved, ...(decision.reason ? { reason: decision.reason } : {}), at: new Date().toISOString() };
  await deps.snapshots.saveSnapshot({
    contract: record.contract, subject: task.id, parent: snapshot.presenter ?? null, body: record,
    sha256: createHash('sha256').update(canonicalJson(record)).digest('hex'),
  });
  if (!decision.approved) {
    const revision = (await approvalsOf(deps.snapshots, task.id)).filter((a) => a.stage === stage && !a.approved).length;
    const from = REVIEWED[stage];
    await deps.engine.resume(task.id, from, undefined, { retry: { from: from.toLowerCase(), reason: decision.reason!, revision } });
  }
  return { id: task.id, status: (await deps.reads.readTask(task.id))?.status ?? task.status };
}
