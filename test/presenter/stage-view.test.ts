import { expect } from 'chai';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import type { CompiledFlow } from '../../src/core/flow/compile.ts';
import type { RunRecord } from '../../src/core/ports/read-model.ts';
import { stageLabel, stageStates, type StagedTask } from '../../src/presenter/stage-view.ts';

/**
 * The stage a presenter output is at, in words, and each stage's state, read from slot words as the shipped flows
 * lay them out (presenter-approval and presenter-scene): pure, no database.
 */

const route = loadFlow('presenter-approval');
const scene = loadFlow('presenter-scene');

/** The word with these components succeeded (and these failed). */
function word(flow: CompiledFlow, succeeded: string[], failed: string[] = []): bigint {
  let w = 0n;
  for (const name of succeeded) w |= flow.byName.get(name)!.successBit;
  for (const name of failed) w |= flow.byName.get(name)!.failBit;
  return w;
}

const staged = (w: bigint, running: string[] = [], flow = route, runs: RunRecord[] = []): StagedTask => ({
  word: w, inFlight: running.reduce((m, c) => m | flow.byName.get(c)!.successBit, 0n), attempts: Object.fromEntries(running.map((c) => [c, 1])), runs,
});

const upToScenes = ['Script', 'ScriptApproval', 'Storyboard', 'StoryboardApproval', 'BackgroundApproval'];

describe('presenter stage view', () => {
  it('names the gate an output waits at as its flow does', () => {
    const t = { ...staged(word(route, ['Script']), ['ScriptApproval']), phase: 'running' };
    expect(stageLabel(route, t, null, [])).to.equal('waiting for script approval');
    const states = stageStates(route, t, null, []);
    expect(states.map((s) => s.stage)).to.deep.equal(['script', 'script-approval', 'storyboard', 'storyboard-approval', 'background-approval', 'scenes', 'stitch', 'video-approval', 'enhance']);
    expect(states.find((s) => s.component === 'ScriptApproval')).to.include({ kind: 'approval', state: 'pending', in_flight: true, attempts: 1, scene: null });
  });

  it('says what the scenes do while they run: the earliest unfinished stage of any scene', () => {
    const t = { ...staged(word(route, upToScenes), ['Scenes']), phase: 'running' };
    const spoken = { ...staged(word(scene, ['SceneSpeech']), [], scene), scene: 1 };
    const speaking = { ...staged(0n, ['SceneSpeech'], scene), scene: 2 };
    expect(stageLabel(route, t, scene, [spoken, speaking])).to.equal('generating audio');
    expect(stageLabel(route, t, scene, [spoken, { ...spoken, scene: 2 }])).to.equal('rendering scene');
    const states = stageStates(route, t, scene, [spoken, speaking]);
    // The scenes' stages follow the fan-out, scene by scene.
    expect(states.filter((s) => s.scene !== null).map((s) => `${s.scene} ${s.stage}`)).to.deep.equal([
      '1 scene-speech', '1 scene-render', '1 b-roll', '1 lip-sync', '2 scene-speech', '2 scene-render', '2 b-roll', '2 lip-sync',
    ]);
    expect(states.findIndex((s) => s.scene === 1)).to.equal(states.findIndex((s) => s.component === 'Scenes') + 1);
    expect(states.find((s) => s.scene === 1 && s.component === 'SceneSpeech')!.label).to.equal('generating audio');
  });

  it('says done once completed, and where an output failed or was cancelled, with the last run\'s error', () => {
    const all = [...upToScenes, 'Scenes'];
    const error = { component: 'Stitch', attempt: 2, name: 'FfmpegError', message: 'ffmpeg exited with 1' };
    const run: RunRecord = {
      component: 'Stitch', attempt: 2, status: 'failed', executions: 1, cached: false, worker: null,
      queuedAt: new Date(0), startedAt: new Date(1000), finishedAt: new Date(2500), output: null, error,
    };
    const failed = { ...staged(word(route, all, ['Stitch']), [], route, [run]), attempts: { Stitch: 2 }, phase: 'failed' };
    expect(stageLabel(route, failed, null, [])).to.equal('failed while stitching');
    expect(stageStates(route, failed, null, []).find((s) => s.component === 'Stitch')).to.deep.include({
      state: 'failed', attempts: 2, error, started_at: new Date(1000).toISOString(), finished_at: new Date(2500).toISOString(),
    });
    expect(stageLabel(route, { ...staged(word(route, ['Script']), ['ScriptApproval']), phase: 'cancelled' }, null, [])).to.equal('cancelled while waiting for script approval');
    expect(stageLabel(route, { ...staged(word(route, [...all, 'Stitch', 'VideoApproval', 'Enhance'])), phase: 'completed' }, null, [])).to.equal('done');
  });
});
