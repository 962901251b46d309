import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FfmpegRunner, probe } from '../../src/adapters/ffmpeg/index.ts';
import { checkFlowFile } from '../../src/adapters/flow-files.ts';
import { slotflowInProcess } from '../support/cli.ts';

/**
 * Handlers read their inputs by role, so a component's name is the flow
 * author's to choose: the bundled article flow with TextProcessor renamed
 * everywhere in the file still validates, binds the same roles and renders.
 */

describe('a flow with a renamed component', function () {
  this.timeout(180000);
  let dir: string;
  let flowFile: string;
  let article: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-rename-'));
    const text = await readFile('flows/article-video.json', 'utf8');
    expect(text).to.include('"TextProcessor"');
    flowFile = path.join(dir, 'article-video.json');
    await writeFile(flowFile, text.replaceAll('TextProcessor', 'ScriptWriter'));
    // One scene is enough for every component of the flow to run (and be reused); each sentence more is a scene more to speak and encode.
    article = path.join(dir, 'one-scene.md');
    await writeFile(article, '# Small Data, Big City\n\nSensors on every corner measure the heat of the city.\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('binds the script role of every consumer to the renamed component', () => {
    const checked = checkFlowFile(flowFile);
    expect(checked.problems).to.deep.equal([]);
    const flow = checked.flow!;
    expect(flow.byName.has('TextProcessor')).to.equal(false);
    for (const name of ['SpeechSynthesis', 'MaterialClipper', 'TitleCard']) {
      expect(flow.byName.get(name)!.inputs.script, name).to.equal('ScriptWriter');
    }
    expect(flow.byName.get('SceneRender')!.inputs).to.deep.equal({
      clips: 'MaterialClipper', subtitles: 'SubtitleBuilder', watermark: 'Watermark', widget: 'WidgetInit',
    });
  });

  // `slotflow render` in this process: the test is about the flow, not the process.
  async function render(flow: string, out: string, data: string) {
    const cli = await slotflowInProcess(['render', article, '-o', out, '--flow', flow, '--size', '160x90', '--json'], {
      ...process.env, SLOTFLOW_DATA_DIR: path.join(dir, data),
    });
    expect(cli.code, cli.stderr).to.equal(0);
    return JSON.parse(cli.stdout) as { flow: string; components_executed: number; components_reused: number };
  }

  it('renders through slotflow render to an H.264 + AAC MP4', async () => {
    const out = path.join(dir, 'renamed.mp4');
    const summary = await render(flowFile, out, 'fresh');
    expect(summary.flow).to.equal('article-video');
    expect(summary.components_executed).to.be.above(0);
    const info = await probe(new FfmpegRunner(), out);
    expect(info.video).to.include({ codec: 'h264', width: 160, height: 90 });
    expect(info.audio?.codec).to.equal('aac');
    expect(info.durationSec).to.be.above(2.5);
  });

  it('reuses the cached work of the original flow: a cache key holds inputs by role, not component names', async () => {
    const original = await render('flows/article-video.json', path.join(dir, 'original.mp4'), 'shared');
    expect(original.components_executed).to.be.above(0);
    const renamed = await render(flowFile, path.join(dir, 'renamed-again.mp4'), 'shared');
    expect(renamed.components_executed).to.equal(0);
    expect(renamed.components_reused).to.equal(original.components_executed + original.components_reused);
  });
});
