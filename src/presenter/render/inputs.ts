import { SlotflowError } from '../../core/errors.ts';
import type { HandlerContext } from '../../handlers/registry.ts';
import { frameFor } from '../../pipeline/formats.ts';
import type { SceneInput, TaskOptions } from '../../pipeline/handlers/shared.ts';
import { POSES, type PortraitInput, type PresenterSceneItem, SCENE_KINDS, type VoiceInput } from './types.ts';

/**
 * How the render stages read what they work on, checked before any work starts. In the `presenter-scene` child
 * flow the scene is the fan-out's item and the portrait, voice and options come from the parent; a stage run on
 * its own (a test, a retry of one scene) may carry them in its own input. A role bound in the child flow (the
 * scene's speech, its rendered segment) is read from the component's inputs.
 */

/** A render stage's input is not what it needs: no retry changes that. */
export class PresenterRenderInputError extends SlotflowError {
  override name = 'PresenterRenderInputError';
  constructor(code: string, message: string, readonly field: string) {
    super(message, { code });
  }
}

interface LooseInput {
  item?: unknown;
  scene?: unknown;
  options?: TaskOptions;
  parent?: SceneInput['parent'];
  [role: string]: unknown;
}

const loose = (ctx: HandlerContext): LooseInput => (ctx.input ?? {}) as LooseInput;

/**
 * The presenter identity a route's output carries in its snapshot (`presenter/routes/snapshot.ts`): the portrait
 * as it is, the voice as its profile. A scene child reads them from its parent's input.
 */
function identityRole(taskInput: unknown, role: string): unknown {
  const identity = (taskInput as { identity?: { portrait?: unknown; voice?: { profile?: unknown } } } | null | undefined)?.identity;
  if (role === 'portrait') return identity?.portrait;
  if (role === 'voice') return identity?.voice?.profile;
  return undefined;
}

/** A role: bound in the flow, handed on by the parent, in the input itself, or the identity in the parent's snapshot. */
export function roleOf<T>(ctx: HandlerContext, role: string): T | undefined {
  const input = loose(ctx);
  return (ctx.inputs[role] ?? input.parent?.inputs?.[role] ?? input[role] ?? identityRole(input.parent?.input, role) ?? undefined) as T | undefined;
}

export function optionsOfScene(ctx: HandlerContext): TaskOptions {
  const input = loose(ctx);
  return input.parent?.input?.options ?? input.options ?? {};
}

/** The output frame: the task's format (and `size`, for previews and tests). */
export function frameOfScene(ctx: HandlerContext): { width: number; height: number } {
  const { width, height } = frameFor(optionsOfScene(ctx));
  return { width, height };
}

export function sceneOf(ctx: HandlerContext): PresenterSceneItem {
  const input = loose(ctx);
  const s = (input.item ?? input.scene) as Partial<PresenterSceneItem> | undefined;
  if (!s || typeof s !== 'object') throw new PresenterRenderInputError('invalid-presenter-scene', 'the stage has no scene to render', 'item');
  if (!Number.isInteger(s.scene) || (s.scene as number) < 1) throw new PresenterRenderInputError('invalid-presenter-scene', 'a scene is numbered from 1', 'item.scene');
  if (!(SCENE_KINDS as readonly unknown[]).includes(s.kind)) {
    throw new PresenterRenderInputError('invalid-presenter-scene', `scene ${s.scene}: kind must be one of ${SCENE_KINDS.join(', ')}`, 'item.kind');
  }
  if (s.pose !== undefined && !(POSES as readonly unknown[]).includes(s.pose)) {
    throw new PresenterRenderInputError('invalid-presenter-scene', `scene ${s.scene}: pose must be one of ${POSES.join(', ')}`, 'item.pose');
  }
  if (typeof s.narration !== 'string' || s.narration.trim() === '') {
    throw new PresenterRenderInputError('invalid-presenter-scene', `scene ${s.scene} has no narration`, 'item.narration');
  }
  return s as PresenterSceneItem;
}

export function portraitOf(ctx: HandlerContext): PortraitInput {
  const p = roleOf<Partial<PortraitInput>>(ctx, 'portrait');
  const box = p?.face;
  const ok = p && typeof p.path === 'string' && p.width! > 0 && p.height! > 0 && box
    && [box.x, box.y, box.w, box.h].every((v) => Number.isFinite(v)) && box.w > 0 && box.h > 0
    && box.x >= 0 && box.y >= 0 && box.x + box.w <= p.width! && box.y + box.h <= p.height!;
  if (!ok) throw new PresenterRenderInputError('invalid-presenter-portrait', 'the presenter portrait needs a path, its size and a face box inside it', 'portrait');
  return p as PortraitInput;
}

export function voiceOf(ctx: HandlerContext): VoiceInput {
  const v = roleOf<Partial<VoiceInput>>(ctx, 'voice');
  if (!v || typeof v.voice !== 'string' || v.voice === '') throw new PresenterRenderInputError('invalid-presenter-voice', 'the presenter has no voice', 'voice.voice');
  const rate = v.rate ?? 1;
  const pitch = v.pitch_semitones ?? 0;
  if (!(rate > 0.25 && rate < 4)) throw new PresenterRenderInputError('invalid-presenter-voice', `voice rate ${rate} is out of range (0.25..4)`, 'voice.rate');
  if (!(Math.abs(pitch) <= 24)) throw new PresenterRenderInputError('invalid-presenter-voice', `voice pitch ${pitch} semitones is out of range (±24)`, 'voice.pitch_semitones');
  return { voice: v.voice, rate, pitch_semitones: pitch };
}

export function requireRole<T>(ctx: HandlerContext, role: string, check: (v: T) => boolean): T {
  const v = roleOf<T>(ctx, role);
  if (v === undefined || !check(v)) throw new PresenterRenderInputError('invalid-presenter-scene', `${ctx.component} has no ${role} input`, role);
  return v;
}

/** `sha256:<hash>` of a stored file, named by its content. */
export function assetRef(file: string, hash?: string): string {
  const base = file.split('/').pop() ?? file;
  return `sha256:${hash ?? base.slice(0, base.indexOf('.') > 0 ? base.indexOf('.') : undefined)}`;
}
