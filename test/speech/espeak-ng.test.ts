import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EspeakNgError, EspeakNgProvider } from '../../src/providers/speech/espeak-ng.ts';
import { readWavInfo } from '../../src/providers/speech/wav.ts';
import { skipWithReason, useTempDir } from './helpers.ts';

describe('EspeakNgProvider', () => {
  const tmp = useTempDir('espeak');
  const espeak = new EspeakNgProvider();
  let installed = false;

  before(async () => {
    installed = await espeak.available();
  });

  function requireEspeak(context: Mocha.Context): void {
    if (!installed) skipWithReason(context, 'espeak-ng is not installed on this machine');
  }

  it('synthesizes Mandarin 你好，世界。 with the cmn voice', async function () {
    requireEspeak(this);
    const out = join(tmp(), 'zh.wav');
    const result = await espeak.synthesize({ text: '你好，世界。', language: 'zh' }, out);
    expect(result).to.include({ file: out, voice: 'cmn' });
    expect(result.durationSec).to.be.greaterThan(0.5);
    expect((await readWavInfo(out)).durationSec).to.equal(result.durationSec);
  });

  it('synthesizes English with en-us and honours the speed option', async function () {
    requireEspeak(this);
    const text = 'The same sentence at two speeds.';
    const normal = await espeak.synthesize({ text, language: 'en' }, join(tmp(), 'en.wav'));
    const slow = await new EspeakNgProvider({ speedWpm: 100 }).synthesize({ text, language: 'en' }, join(tmp(), 'en-slow.wav'));
    expect(normal.voice).to.equal('en-us');
    expect(normal.durationSec).to.be.greaterThan(0.5);
    expect(slow.durationSec).to.be.greaterThan(normal.durationSec * 1.3);
  });

  it('stops espeak-ng and rejects when the caller aborts', async function () {
    requireEspeak(this);
    // Minutes of speech at the slowest rate: far longer than the abort below.
    const text = 'A sentence that goes on and on. '.repeat(2000);
    const controller = new AbortController();
    const run = new EspeakNgProvider({ speedWpm: 80 }).synthesize({ text, language: 'en' }, join(tmp(), 'aborted.wav'), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 200));
    const aborted = Date.now();
    controller.abort(new Error('timed out'));
    const error = await run.catch((e: unknown) => e);
    expect(error).to.be.instanceOf(EspeakNgError);
    expect((error as Error).message).to.match(/cancelled/);
    expect(Date.now() - aborted).to.be.below(1000);
  });

  it('passes text on stdin, never through a shell', async function () {
    requireEspeak(this);
    const marker = join(tmp(), 'pwned');
    const text = `-v de $(touch ${marker}); touch ${marker} \`touch ${marker}\``;
    const result = await espeak.synthesize({ text, language: 'en' }, join(tmp(), 'shell.wav'));
    expect(result.voice).to.equal('en-us');
    expect(existsSync(marker)).to.equal(false);
  });

  it('supports English and Chinese, looks other languages up, and describes the voice', async function () {
    requireEspeak(this);
    expect(await espeak.supports('en')).to.equal(true);
    expect(await espeak.supports('zh')).to.equal(true);
    expect(await espeak.resolveVoice('de')).to.equal('de');
    expect(await espeak.supports('xx')).to.equal(false);
    expect(espeak.describeVoice('zh')).to.equal('espeak-ng (Mandarin voice cmn)');
    expect(await espeak.version()).to.match(/eSpeak NG/i);
  });

  it('refuses a voice name that could be an option, and reports a voice it does not have', async function () {
    requireEspeak(this);
    const attempt = (voice: string) =>
      espeak.synthesize({ text: 'Hi.', language: 'en', voice }, join(tmp(), 'v.wav')).then(
        () => expect.fail('expected an EspeakNgError'),
        (e: unknown) => e as EspeakNgError,
      );
    expect(await attempt('--help')).to.be.instanceOf(EspeakNgError).and.include({ code: 'unknown-voice' });
    const missing = await attempt('nosuchvoice');
    expect(missing).to.include({ code: 'unknown-voice', provider: 'espeak-ng' });
    expect(missing.stderr).to.match(/voice/i);
  });

  it('is unavailable, supports nothing and refuses to synthesize when the program is missing', async () => {
    const missing = new EspeakNgProvider({ command: 'espeak-ng-not-installed-here' });
    expect(await missing.available()).to.equal(false);
    expect(await missing.supports('en')).to.equal(false);
    expect(await missing.supports('zh')).to.equal(false);
    const error = await missing.synthesize({ text: 'Hi.', language: 'en' }, join(tmp(), 'none.wav')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(EspeakNgError).and.include({ code: 'speech-unavailable' });
  });

  it('refuses empty text', async () => {
    const error = await espeak.synthesize({ text: ' \n ', language: 'en' }, join(tmp(), 'empty.wav')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(EspeakNgError).and.include({ code: 'speech-empty-text' });
  });
});
