import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectSilence, FfmpegRunner } from '../../src/adapters/ffmpeg/index.ts';
import { asciiWords } from '../../src/providers/speech/ascii-text.ts';
import { FestivalError, FestivalProvider, festivalScript, heapCells, parseTokenTimes, trimToWords, wordTimings } from '../../src/providers/speech/festival.ts';
import { parseFestivalVoices } from '../../src/providers/speech/voice-list.ts';
import { readWavInfo, silenceWav, SPEECH_EDGES } from '../../src/providers/speech/wav.ts';
import { skipWithReason, useTempDir } from './helpers.ts';

/**
 * Festival with the HTS voice, for real (Debian `festival` +
 * `festvox-us-slt-hts`, installed here and by `.ci/run`): speech that sounds
 * like speech (length for its words, not silent, the voice's rate), word
 * timings that follow the audio, nothing left running when cancelled, and
 * no way for the text or a voice name to become Scheme.
 */

const HTS_VOICE = 'cmu_us_slt_arctic_hts';
const runner = new FfmpegRunner();

/** The children of this process whose command is `name`. */
async function childrenNamed(name: string): Promise<number[]> {
  const r = await execa('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { reject: false });
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter(([, comm]) => comm === name).map(([pid]) => Number(pid));
}

describe('FestivalProvider', function () {
  this.timeout(60000);
  const tmp = useTempDir('festival');
  const festival = new FestivalProvider();
  let installed = false;

  before(async () => {
    installed = await festival.available();
  });

  function requireFestival(context: Mocha.Context): void {
    if (!installed) skipWithReason(context, 'festival with an HTS voice is not installed (apt-get install festival festvox-us-slt-hts)');
  }

  it('speaks English with the HTS voice: 16-bit mono at 32 kHz, 2 to 4 words a second, not silent', async function () {
    requireFestival(this);
    const text = 'Night trains are coming back to Europe, and the sleeper cars are full again this winter.';
    const out = join(tmp(), 'en.wav');
    const result = await festival.synthesize({ text, language: 'en' }, out);
    expect(result).to.include({ file: out, voice: HTS_VOICE });
    const info = await readWavInfo(out);
    expect(info).to.include({ audioFormat: 1, sampleRate: 32000, channels: 1, bitsPerSample: 16 });
    expect(info.durationSec).to.equal(result.durationSec);
    const words = text.split(/\s+/).length;
    expect(words / result.durationSec, `${words} words in ${result.durationSec} s`).to.be.within(1.5, 4);
    // A silence that lasts to the end of the file ends at Infinity.
    const silent = (await detectSilence(runner, out)).reduce((sum, s) => sum + (Math.min(s.endSec, result.durationSec) - s.startSec), 0);
    expect(silent / result.durationSec, 'share of the audio that is silence').to.be.below(0.35);
  });

  it('times every written word once, in order, inside the audio, where the audio is not silent', async function () {
    requireFestival(this);
    const text = 'They carry 42 people — and Dr. Smith’s “heavy” bags to the café!';
    const out = join(tmp(), 'words.wav');
    const result = await festival.synthesize({ text, language: 'en' }, out);
    const words = result.words ?? [];
    expect(words.map((w) => w.text)).to.deep.equal(['They', 'carry', '42', 'people', 'and', 'Dr', 'Smith’s', 'heavy', 'bags', 'to', 'the', 'café']);
    let last = 0;
    for (const w of words) {
      expect(w.start_sec, w.text).to.be.at.least(last);
      expect(w.end_sec, w.text).to.be.above(w.start_sec);
      last = w.end_sec;
    }
    expect(last).to.be.at.most(result.durationSec);
    // Festival's opening pause is cut: the first word starts 10 ms into the file, the last ends 50 ms before its end.
    expect(words[0]!.start_sec).to.be.at.most(SPEECH_EDGES.leadSec + 0.001);
    expect(result.durationSec - last).to.be.at.most(SPEECH_EDGES.tailSec + 0.001);
    // "42" is read as two words; its span holds both, so it is longer than "to".
    const span = (t: string) => words.find((w) => w.text === t)!.end_sec - words.find((w) => w.text === t)!.start_sec;
    expect(span('42')).to.be.above(span('to'));
    const silences = await detectSilence(runner, out, { minSec: 0.1 });
    for (const w of words) {
      const inside = silences.some((s) => s.startSec <= w.start_sec && w.end_sec <= s.endSec);
      expect(inside, `"${w.text}" ${w.start_sec}–${w.end_sec} s lies in a silence`).to.equal(false);
    }
  });

  it('describes the voice, supports English and not Chinese, and lists only HTS voices', async function () {
    requireFestival(this);
    expect(await festival.supports('en')).to.equal(true);
    expect(await festival.supports('en-GB')).to.equal(true);
    expect(await festival.supports('zh')).to.equal(false);
    expect(festival.voiceFor('en')).to.equal(HTS_VOICE);
    expect(festival.describeVoice('en')).to.equal(`festival (American English voice ${HTS_VOICE}, HTS)`);
    const voices = await festival.voices();
    expect(voices).to.deep.include({ id: `festival:${HTS_VOICE}`, provider: 'festival', language: 'en-us', name: `American English ${HTS_VOICE} (HTS)` });
    expect(voices.every((v) => v.id.endsWith('_hts'))).to.equal(true);
  });

  it('speaks a batch in one run with the bytes and word timings of one run a sentence', async function () {
    requireFestival(this);
    const texts = ['Night trains are coming back.', 'They carry 42 people — and Dr. Smith’s “heavy” bags!', 'Full again this winter.'];
    const alone = [];
    for (const [i, text] of texts.entries()) alone.push(await festival.synthesize({ text, language: 'en', rate: 1.1 }, join(tmp(), `alone-${i}.wav`)));
    const outs = texts.map((_, i) => join(tmp(), `batch-${i}.wav`));
    const batch = await festival.synthesizeBatch(texts.map((text) => ({ text, language: 'en', rate: 1.1 })), outs);
    expect(batch.map((r) => r.file)).to.deep.equal(outs);
    for (const [i, one] of alone.entries()) {
      expect(batch[i]!.words, texts[i]).to.deep.equal(one.words);
      expect(batch[i]!.durationSec, texts[i]).to.equal(one.durationSec);
      expect((await readFile(outs[i]!)).equals(await readFile(one.file)), `${texts[i]}: the same bytes`).to.equal(true);
    }
    expect(batch[1]!.words!.map((w) => w.text)).to.include.members(['42', 'Smith’s', 'heavy']);
  });

  it('starts with a heap sized to the longest sentence and, when the text outgrows it, speaks again with Festival\'s own: the same bytes', async function () {
    requireFestival(this);
    expect(heapCells([3, 12])).to.equal(2_000_000);
    expect(heapCells([400], 1_000_000)).to.equal(3_200_000);
    // A festival that logs its arguments, so the test sees both runs.
    const log = join(tmp(), 'festival-args.log');
    const wrapper = join(tmp(), 'festival-logged');
    // Only the syntheses are logged (their script is a file), not the voice probe.
    await writeFile(wrapper, `#!/bin/sh\nfor a in "$@"; do case "$a" in *.scm) echo "$*" >> '${log}';; esac; done\nexec festival "$@"\n`);
    await chmod(wrapper, 0o755);
    // One word: the heap is the smallest allowed, not 8 k cells a word.
    const text = 'Goodnight.';
    const usual = await festival.synthesize({ text, language: 'en' }, join(tmp(), 'heap-usual.wav'));
    // 20 k cells cannot even hold the voice: Festival runs out of storage and the provider speaks with the default heap.
    const cramped = new FestivalProvider({ command: wrapper, minHeapCells: 20_000 });
    const again = await cramped.synthesize({ text, language: 'en' }, join(tmp(), 'heap-cramped.wav'));
    expect(again.words).to.deep.equal(usual.words);
    expect((await readFile(again.file)).equals(await readFile(usual.file)), 'the same bytes').to.equal(true);
    const runs = (await readFile(log, 'utf8')).trim().split('\n');
    expect(runs, 'the synthesis runs').to.have.length(2);
    expect(runs[0]).to.match(/^--heap 20000 --batch /);
    expect(runs[1]).to.match(/^--batch /);
  });

  it('refuses a batch of two voices or speeds, and one with an empty sentence, before running festival', async function () {
    requireFestival(this);
    const outs = [join(tmp(), 'm0.wav'), join(tmp(), 'm1.wav')];
    const mixed = await festival.synthesizeBatch([{ text: 'Hi.', language: 'en' }, { text: 'Hi.', language: 'en', rate: 1.2 }], outs).catch((e: unknown) => e);
    expect(mixed).to.be.instanceOf(RangeError);
    const empty = await festival.synthesizeBatch([{ text: 'Hi.', language: 'en' }, { text: '🚂 🚃', language: 'en' }], outs).catch((e: unknown) => e);
    expect(empty).to.be.instanceOf(FestivalError).and.include({ code: 'speech-empty-text' });
    expect(existsSync(outs[0]!)).to.equal(false);
  });

  it('stops festival and rejects when the caller aborts, leaving no process behind', async function () {
    requireFestival(this);
    const text = 'A sentence that goes on and on, and then on some more. '.repeat(200);
    const controller = new AbortController();
    const run = festival.synthesize({ text, language: 'en' }, join(tmp(), 'aborted.wav'), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 500));
    expect(await childrenNamed('festival'), 'festival is running').to.have.length(1);
    const aborted = Date.now();
    controller.abort(new Error('timed out'));
    const error = await run.catch((e: unknown) => e);
    expect(error).to.be.instanceOf(FestivalError).and.include({ code: 'speech-failed' });
    expect((error as Error).message).to.match(/cancelled/);
    expect(Date.now() - aborted).to.be.below(1500);
    expect(await childrenNamed('festival')).to.deep.equal([]);
    expect(existsSync(join(tmp(), 'aborted.wav.scm')), 'the script is removed').to.equal(false);
  });

  it('keeps the text a string: quotes, backslashes and parentheses do not become Scheme', async function () {
    requireFestival(this);
    const marker = join(tmp(), 'pwned');
    const text = `Hello ") (system "touch ${marker}") (print " \\") (system \\"touch ${marker}\\")`;
    const result = await festival.synthesize({ text, language: 'en' }, join(tmp(), 'quoted.wav'));
    expect(result.durationSec).to.be.above(0.5);
    expect(existsSync(marker)).to.equal(false);
  });

  it('refuses a voice it does not have or that could be Scheme, before running anything', async function () {
    requireFestival(this);
    const attempt = (voice: string) => festival.synthesize({ text: 'Hi.', language: 'en', voice }, join(tmp(), 'v.wav')).catch((e: unknown) => e);
    const marker = join(tmp(), 'voice-pwned');
    expect(await attempt('nosuchvoice')).to.be.instanceOf(FestivalError).and.include({ code: 'unknown-voice', provider: 'festival' });
    expect(await attempt(`x) (system "touch ${marker}") (voice_x`)).to.be.instanceOf(FestivalError).and.include({ code: 'unknown-voice' });
    expect(existsSync(marker)).to.equal(false);
    expect(existsSync(join(tmp(), 'v.wav'))).to.equal(false);
  });

  it('is unavailable, supports nothing and refuses to synthesize when the program is missing', async () => {
    const missing = new FestivalProvider({ command: 'festival-not-installed-here' });
    expect(await missing.available()).to.equal(false);
    expect(await missing.supports('en')).to.equal(false);
    expect(await missing.voices()).to.deep.equal([]);
    const error = await missing.synthesize({ text: 'Hi.', language: 'en' }, join(tmp(), 'none.wav')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(FestivalError).and.include({ code: 'speech-unavailable' });
  });

  it('refuses empty text, and text with nothing it can read', async () => {
    for (const text of [' \n ', '🚂 🚃']) {
      const error = await festival.synthesize({ text, language: 'en' }, join(tmp(), 'empty.wav')).catch((e: unknown) => e);
      expect(error, JSON.stringify(text)).to.be.instanceOf(FestivalError).and.include({ code: 'speech-empty-text' });
    }
  });
});

describe('Festival output, read', () => {
  it('reads the voices Festival proclaims, with language tags, and marks the HTS ones', () => {
    const listed = [
      'voice\tcmu_us_slt_arctic_hts\tenglish\tamerican',
      'voice\tkal_diphone\tenglish\tamerican',
      'voice\trab_diphone\tenglish\tbritish',
      'voice\tel_diphone\tspanish\tnil',
      'voice\tmystery\tnil\tnil',
      'voice\tbad name\tenglish\tamerican',
      'some other line',
    ].join('\n');
    expect(parseFestivalVoices(listed)).to.deep.equal([
      { name: 'cmu_us_slt_arctic_hts', language: 'en-us', hts: true },
      { name: 'kal_diphone', language: 'en-us', hts: false },
      { name: 'rab_diphone', language: 'en-gb', hts: false },
      { name: 'el_diphone', language: 'es', hts: false },
    ]);
  });

  it('times a token by the words it became, drops tokens never heard, and gives the words as written', () => {
    const stdout = [
      'slotflow-token\tThey\t0.175\t0.335',
      'slotflow-token\t42\t0.335\t0.815\t0.815\t1.085',
      'slotflow-token\t-\t',
      "slotflow-token\tSmith's\t1.2\t1.6\t0\t0",
      'noise on stdout',
    ].join('\n');
    const tokens = parseTokenTimes(stdout);
    expect(tokens).to.deep.equal([
      { name: 'They', start: 0.175, end: 0.335 }, { name: '42', start: 0.335, end: 1.085 }, undefined, { name: "Smith's", start: 1.2, end: 1.6 },
    ]);
    const { original } = asciiWords('They 42 — Smith’s,');
    expect(wordTimings(tokens, original, 1.5)).to.deep.equal([
      { text: 'They', start_sec: 0.175, end_sec: 0.335 },
      { text: '42', start_sec: 0.335, end_sec: 1.085 },
      { text: 'Smith’s', start_sec: 1.2, end_sec: 1.5 },
    ]);
    // Festival's own names when it saw another number of tokens than it was given.
    expect(wordTimings(tokens, ['only', 'two'], 2).map((w) => w.text)).to.deep.equal(['They', '42', "Smith's"]);
  });

  it('cuts a file to 10 ms before its first word and 50 ms after its last, moving the words with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slotflow-festival-trim-'));
    try {
      const file = join(dir, 'a.wav');
      const info = await silenceWav(2, { audioFormat: 1, sampleRate: 32000, channels: 1, bitsPerSample: 16 }, file);
      const words = [{ text: 'a', start_sec: 0.2, end_sec: 0.5 }, { text: 'b', start_sec: 0.6, end_sec: 1.4 }];
      const cut = await trimToWords(file, info, words);
      expect(cut.durationSec).to.equal(1.26);
      expect((await readWavInfo(file)).durationSec).to.equal(1.26);
      expect(cut.words).to.deep.equal([{ text: 'a', start_sec: 0.01, end_sec: 0.31 }, { text: 'b', start_sec: 0.41, end_sec: 1.21 }]);
      // No word to go by: the file stays as it is.
      expect(await trimToWords(file, await readWavInfo(file), [])).to.deep.equal({ durationSec: 1.26, words: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes the text and the path as Scheme strings, the voice as a symbol', () => {
    const script = festivalScript(HTS_VOICE, 'say "this" \\ now', '/tmp/a "b".wav');
    expect(script).to.contain(`(voice_${HTS_VOICE})`);
    expect(script).to.contain('(Utterance Text "say \\"this\\" \\\\ now")');
    expect(script).to.contain('(utt.save.wave utt "/tmp/a \\"b\\".wav" \'riff)');
  });
});
