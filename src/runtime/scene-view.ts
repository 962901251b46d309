import type { FlowLookup } from '../core/ports/flow-versions.ts';
import type { TaskReadModel, TaskRecord } from '../core/ports/read-model.ts';

/**
 * The scenes of a task as an editor reviews them (docs/task-json.md): each
 * numbered from 1, with the chosen take's narration, length, thumbnail and
 * visual, every take made of it, and the visuals a new take may pick. A take
 * is a fan-out child; its files are served under the parent's scene routes.
 */

export interface TakeView {
  take: number;
  task_id: string;
  status: string;
  chosen: boolean;
  narration: string | null;
  duration_sec: number | null;
  video: string | null;
  thumbnail: string | null;
  created_at: string;
}

export interface SceneView {
  scene: number;
  task_id: string;
  component: string | null;
  narration: string | null;
  duration_sec: number | null;
  status: string;
  slot_word: string;
  thumbnail: string | null;
  visual: { source: string; term: string | null } | null;
  /** Which sentences of the article (numbered from 1) the scene says; null when it was not made from an article. */
  source_sentences: number[] | null;
  take: number;
  takes: TakeView[];
  candidates: Array<{ id: string; source: string; term: string | null; kind: string; url: string }>;
}

/** What a scene child's own output and input say about it; every field optional, as a flow author's scene flow may make less. */
interface SceneOutput {
  segment?: string;
  thumbnail?: string;
  duration_sec?: number;
  narration?: string;
  visual?: { source?: string; term?: string | null };
}

interface SceneItemInput {
  item?: { text?: string; duration_sec?: number; source_sentences?: number[]; visual?: { provider?: string; term?: string | null }; candidates?: Array<{ provider: string; term?: string | null; kind: string }> };
  edits?: { narration?: string };
}

export function sceneUrl(taskId: string, scene: number): string {
  return `/v1/tasks/${taskId}/scenes/${scene}`;
}

export async function sceneViews(reads: TaskReadModel, flows: FlowLookup, task: TaskRecord): Promise<SceneView[]> {
  const takes = (await reads.listTakes(task.id)).filter(
    (c) => c.parentComponent === null || c.parentAttempt === (task.attempts[c.parentComponent] ?? c.parentAttempt),
  );
  const byScene = new Map<number, TaskRecord[]>();
  for (const t of takes) byScene.set(t.sceneIndex ?? 0, [...(byScene.get(t.sceneIndex ?? 0) ?? []), t]);
  const views: SceneView[] = [];
  for (const [index, list] of [...byScene].sort((a, b) => a[0] - b[0])) {
    const scene = index + 1;
    const base = sceneUrl(task.id, scene);
    const made = await Promise.all(list.map(async (t) => ({ record: t, output: await sceneOutput(reads, flows, t) })));
    const takeViews = made.map(({ record, output }): TakeView => {
      const input = record.input as SceneItemInput;
      return {
        take: record.take,
        task_id: record.id,
        status: record.phase,
        chosen: record.chosen,
        narration: output?.narration ?? input.edits?.narration ?? input.item?.text ?? null,
        duration_sec: output?.duration_sec ?? (input.edits?.narration === undefined ? input.item?.duration_sec ?? null : null),
        video: output?.segment ? `${base}/takes/${record.take}/video` : null,
        thumbnail: output?.thumbnail ? `${base}/takes/${record.take}/thumbnail` : null,
        created_at: record.createdAt.toISOString(),
      };
    });
    const chosen = made.find((m) => m.record.chosen) ?? made[0]!;
    const chosenView = takeViews[made.indexOf(chosen)]!;
    const item = (chosen.record.input as SceneItemInput).item;
    const visual = chosen.output?.visual ?? item?.visual;
    views.push({
      scene,
      task_id: chosen.record.id,
      component: chosen.record.parentComponent,
      narration: chosenView.narration,
      duration_sec: chosenView.duration_sec,
      status: chosen.record.phase,
      slot_word: chosen.record.word.toString(),
      thumbnail: chosenView.thumbnail,
      visual: visual ? { source: ('source' in visual ? visual.source : undefined) ?? (visual as { provider?: string }).provider ?? 'unknown', term: visual.term ?? null } : null,
      // A take with the editor's own narration says none of the article's sentences.
      source_sentences: (chosen.record.input as SceneItemInput).edits?.narration === undefined ? item?.source_sentences ?? null : null,
      take: chosen.record.take,
      takes: takeViews,
      candidates: (item?.candidates ?? []).map((c, i) => ({ id: `candidate:${i + 1}`, source: c.provider, term: c.term ?? null, kind: c.kind, url: `${base}/candidates/${i + 1}` })),
    });
  }
  return views;
}

/** The output of a scene child's component that rendered it (the one with a segment), if it has finished. */
async function sceneOutput(reads: TaskReadModel, flows: FlowLookup, take: TaskRecord): Promise<SceneOutput | undefined> {
  const flow = await flows.byHashOrThrow(take.flowHash);
  const outputs = await reads.outputsOf(take.id, flow.components.map((c) => c.name));
  return Object.values(outputs).find((o): o is SceneOutput => o !== null && typeof o === 'object' && 'segment' in o);
}

/** The file a take's route serves: its segment or thumbnail; or a scene's candidate visual (from 1). */
export async function sceneFile(
  reads: TaskReadModel,
  flows: FlowLookup,
  taskId: string,
  scene: number,
  what: { take: number; file: 'video' | 'thumbnail' } | { candidate: number },
): Promise<string | undefined> {
  const task = await reads.getTask(taskId);
  if (!task) return undefined;
  const takes = (await reads.listTakes(taskId)).filter(
    (c) => c.sceneIndex === scene - 1 && (c.parentComponent === null || c.parentAttempt === task.attempts[c.parentComponent]),
  );
  if ('candidate' in what) {
    const chosen = takes.find((t) => t.chosen);
    const candidates = (chosen?.input as { item?: { candidates?: Array<{ path: string }> } } | undefined)?.item?.candidates ?? [];
    return candidates[what.candidate - 1]?.path;
  }
  const take = takes.find((t) => t.take === what.take);
  if (!take) return undefined;
  const output = await sceneOutput(reads, flows, take);
  return what.file === 'video' ? output?.segment : output?.thumbnail;
}
