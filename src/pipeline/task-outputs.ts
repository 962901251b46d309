import type { CompiledFlow } from '../core/flow/compile.ts';
import type { DescribedOutputs, OutputDescriber } from '../core/ports/outputs.ts';
import type { PlannerInfo } from './handlers/prompt-plan.ts';
import { PROMPT_PLAN_HANDLER } from './submission.ts';

/**
 * What a finished task of a video flow made: its last component's `video`
 * (or, for an image flow, `bundle`) and the subtitles beside it. The task
 * view shows `video` and `bundle` as the URL the file is served at.
 */
export const videoOutputs: OutputDescriber = {
  sources(flow: CompiledFlow): readonly string[] {
    return [flow.order[flow.order.length - 1]!];
  },
  describe(outputs, downloadUrl): DescribedOutputs {
    const out = (outputs ? Object.values(outputs)[0] : undefined) as Record<string, unknown> | undefined;
    const video = typeof out?.video === 'string' ? out.video : undefined;
    const bundle = typeof out?.bundle === 'string' ? out.bundle : undefined;
    const cover = typeof out?.cover === 'string' ? out.cover : undefined;
    return {
      download: video ? { path: video, contentType: 'video/mp4' } : bundle ? { path: bundle, contentType: 'application/zip' } : undefined,
      files: { ...(typeof out?.srt === 'string' ? { subtitles: out.srt } : {}), ...(cover ? { cover } : {}) },
      // The cover is served beside the download: `/v1/tasks/:id/video` → `/v1/tasks/:id/cover`.
      viewFields: { video: video ? downloadUrl : null, bundle: bundle ? downloadUrl : null, cover: cover ? downloadUrl.replace(/\/video$/, '/cover') : null },
    };
  },
  // Who wrote a prompt's script is known once its planner has run, long before the video is made.
  early: {
    sources(flow: CompiledFlow): readonly string[] {
      return flow.components.filter((c) => c.handler === PROMPT_PLAN_HANDLER).map((c) => c.name);
    },
    fields(outputs): { planner: PlannerInfo | null } {
      const planned = Object.values(outputs)[0] as { planner?: PlannerInfo } | undefined;
      return { planner: planned?.planner ?? null };
    },
  },
};
