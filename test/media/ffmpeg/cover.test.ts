/**
 * The cover, against the real ffmpeg: a scene's still (its picture before the
 * captions, written by the scene's own run) and the title set over it in the
 * caption style, at the video's size.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CAPTION_LAYOUT_PRESETS, coverTitleAss, createMedia, type Cue, probe, renderCover, renderScene, resolveCaptionLayout, textEm,
} from '../../../src/adapters/ffmpeg/index.ts';
import { PORTRAIT_SAFE_TOP } from '../../../src/adapters/ffmpeg/ass.ts';
import { silenceWav } from '../../../src/providers/speech/wav.ts';
import { bandDifference, decodePicture } from '../../support/frames.ts';

const PHOTO = 'examples/media/city.jpg';
const [W, H] = [180, 320];
const SCENE_SEC = 1.5;
/** H.264 at CRF 23 and JPEG at q 2 keep a picture within this (mean, 0..255) of what they were given. */
const CODEC_NOISE = 4;
/** A JPEG thumbnail against the H.264 segment's frame: both lossy, most of all around text. */
const TWO_CODECS_NOISE = 2 * CODEC_NOISE;
/** Text over a region moves its mean by more than this. */
const TEXT_SHOWS = 8;

/** The Style line's fields and the Dialogue's text lines of an ASS document. */
function parseAss(ass: string) {
  const format = ass.split('\n').find((l) => l.startsWith('Format: Name'))!.slice('Format: '.length).split(', ');
  const values = ass.split('\n').find((l) => l.startsWith('Style: '))!.slice('Style: '.length).split(',');
  const style = Object.fromEntries(format.map((k, i) => [k, values[i]!]));
  const text = ass.split('\n').find((l) => l.startsWith('Dialogue: '))!.split(',,').slice(2).join(',,');
  return { style, lines: text.split('\\N') };
}

describe('cover', function () {
  this.timeout(60_000);
  const media = createMedia();
  const { runner } = media;
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slotflow-cover-test-'));
    await silenceWav(SCENE_SEC, { audioFormat: 1, sampleRate: 48000, channels: 1, bitsPerSample: 16 }, file('voice.wav'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const scene = (out: string, cues: boolean, stillFile?: string) => renderScene(media, {
    width: W, height: H, durationSec: SCENE_SEC, visual: { path: PHOTO, kind: 'image' }, audio: file('voice.wav'),
    cues: cues ? [{ text: 'Captions burned into the scene', startSec: 0, endSec: SCENE_SEC }] : [],
    watermark: { text: 'mark' }, fadeSec: 0, out, ...(stillFile ? { stillFile } : {}),
  });

  it('writes the scene half-way through, as composed before its captions, to a PNG from the same run', async () => {
    await scene(file('captioned.mp4'), true, file('still.png'));
    await scene(file('plain.mp4'), false);
    const middle = Math.floor((SCENE_SEC * 30) / 2) / 30;
    const still = await decodePicture(runner, file('still.png'), file('a.bmp'));
    expect([still.width, still.height]).to.deep.equal([W, H]);
    const plain = await decodePicture(runner, file('plain.mp4'), file('b.bmp'), middle);
    const captioned = await decodePicture(runner, file('captioned.mp4'), file('c.bmp'), middle);
    expect(bandDifference(still, plain), 'still against the scene without captions').to.be.below(CODEC_NOISE);
    const layout = resolveCaptionLayout(W, H);
    const captionBand = [H - layout.marginV - 2 * layout.fontSize, H - layout.marginV] as const;
    expect(bandDifference(still, captioned, ...captionBand), 'still against the captioned scene, where the captions are').to.be.above(TEXT_SHOWS);
  });

  it('writes the middle frame as shown, with the captions of that moment, to the thumbnail from the same run', async () => {
    const middle = Math.floor((SCENE_SEC * 30) / 2) / 30;
    const first = { text: 'WWWW WWWW WWWW', startSec: 0, endSec: middle - 0.2 };
    const shownScene = (cues: Cue[], out: string, extra: { stillFile?: string; thumbnailFile?: string } = {}) => renderScene(media, {
      width: W, height: H, durationSec: SCENE_SEC, visual: { path: PHOTO, kind: 'image' }, audio: file('voice.wav'), cues,
      watermark: { text: 'mark' }, fadeSec: 0, out, ...extra,
    });
    // A cue before the middle and another from a little before it: a thumbnail drawn at another moment shows the first.
    await shownScene([first, { text: 'iii', startSec: middle - 0.2, endSec: SCENE_SEC }], file('shown.mp4'), { stillFile: file('shown-still.png'), thumbnailFile: file('thumb.jpg') });
    // The same picture and move with the first cue all through: what a thumbnail of the wrong moment would look like.
    await shownScene([{ ...first, endSec: SCENE_SEC }], file('wrong.mp4'));
    const thumb = await decodePicture(runner, file('thumb.jpg'), file('t.bmp'));
    expect([thumb.width, thumb.height]).to.deep.equal([W, H]);
    const shown = await decodePicture(runner, file('shown.mp4'), file('m.bmp'), middle);
    const wrong = await decodePicture(runner, file('wrong.mp4'), file('w.bmp'), middle);
    const layout = resolveCaptionLayout(W, H);
    const captionBand = [H - layout.marginV - 2 * layout.fontSize, H - layout.marginV] as const;
    expect(bandDifference(thumb, shown), 'thumbnail against the scene\'s middle frame').to.be.below(TWO_CODECS_NOISE);
    expect(bandDifference(thumb, shown, ...captionBand), 'where the captions are, against the middle frame').to.be.below(TWO_CODECS_NOISE);
    expect(bandDifference(thumb, wrong, ...captionBand), 'where the captions are, against the first cue at the same moment').to.be.above(2 * TWO_CODECS_NOISE);
  });

  it('sets the title over the picture where captions go, at the picture\'s size, the same bytes every time', async () => {
    const cover = (out: string) => renderCover(runner, { width: W, height: H, picture: file('still.png'), title: 'How Cities Learn to Breathe', captions: { style: 'karaoke' }, out });
    await cover(file('cover.jpg'));
    await cover(file('again.jpg'));
    expect(Buffer.compare(await readFile(file('cover.jpg')), await readFile(file('again.jpg'))), 'two renders of one cover').to.equal(0);
    const info = await probe(runner, file('cover.jpg'));
    expect(info.video).to.include({ codec: 'mjpeg', width: W, height: H });
    const [picture, made] = [await decodePicture(runner, file('still.png'), file('a.bmp')), await decodePicture(runner, file('cover.jpg'), file('d.bmp'))];
    const layout = resolveCaptionLayout(W, H, { style: 'karaoke' });
    expect(bandDifference(picture, made, 0, H * 0.4), 'away from the title').to.be.below(CODEC_NOISE);
    expect(bandDifference(picture, made, H - layout.marginV - layout.fontSize * 1.5, H - layout.marginV), 'where the title is').to.be.above(TEXT_SHOWS);
    expect(bandDifference(picture, made, H - layout.marginV + layout.outline * 3, H), 'below the safe area').to.be.below(CODEC_NOISE);
  });

  it('sets the title in the caption layout\'s font, colours and outline or box', () => {
    for (const style of ['sentence', 'karaoke', 'pop'] as const) {
      const layout = resolveCaptionLayout(1080, 1920, { style });
      const preset = CAPTION_LAYOUT_PRESETS[layout.layout];
      const { style: s } = parseAss(coverTitleAss(1080, 1920, 'A title', 'Noto Sans SC', { style }));
      expect(s.Fontname).to.equal('Noto Sans SC');
      expect(s.PrimaryColour, style).to.equal(preset.text);
      expect(s.OutlineColour, style).to.equal(preset.box ?? preset.outline);
      expect(s.BorderStyle, style).to.equal(preset.box ? '4' : '1');
      expect(Number(s.Fontsize), style).to.be.above(layout.fontSize);
      expect(Number(s.MarginV), style).to.be.at.least(layout.marginV);
    }
  });

  it('wraps a long title, Chinese too, inside the frame and under the top of the 9:16 safe area', () => {
    const titles = [
      '城市如何学会呼吸：行道树、屋顶花园与口袋公园正在改变我们夏天的温度和每一次深呼吸的质量',
      'How cities are learning to breathe again: street trees, rooftop gardens and pocket parks change our summers',
      'Supercalifragilisticexpialidociousness-of-urban-forestry-programmes-explained',
    ];
    for (const [w, h] of [[1080, 1920], [1920, 1080], [180, 320]] as const) {
      for (const title of titles) {
        const { style, lines } = parseAss(coverTitleAss(w, h, title, 'Noto Sans SC', { style: 'karaoke' }));
        const fontSize = Number(style.Fontsize);
        const measure = w - 2 * Number(style.MarginL);
        for (const line of lines) expect(textEm(line) * fontSize, `${w}x${h} line "${line}"`).to.be.at.most(measure);
        const top = h - Number(style.MarginV) - lines.length * fontSize * 1.25;
        expect(top, `${w}x${h} top of "${title}"`).to.be.at.least(h > w ? h * PORTRAIT_SAFE_TOP : 0);
      }
    }
  });
});
