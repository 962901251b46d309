import { expect } from 'chai';
import { join } from 'node:path';
import { MespeakError, MespeakProvider } from '../../src/providers/speech/mespeak.ts';
import { readWavInfo } from '../../src/providers/speech/wav.ts';
import { useTempDir } from './helpers.ts';

describe('MespeakProvider', () => {
  const tmp = useTempDir('mespeak');
  const mespeak = new MespeakProvider();

  it('synthesizes English to a WAV file of more than 0.3 s with the en/en-us voice', async () => {
    const out = join(tmp(), 'hello.wav');
    const result = await mespeak.synthesize({ text: 'Hello world, this is slotflow speaking.', language: 'en' }, out);
    expect(result).to.include({ file: out, voice: 'en/en-us' });
    expect(result.durationSec).to.be.greaterThan(0.3);
    const info = await readWavInfo(out);
    expect(info).to.include({ sampleRate: 22050, channels: 1, bitsPerSample: 16 });
    expect(info.durationSec).to.equal(result.durationSec);
  });

  it('speaks more slowly when asked for fewer words a minute', async () => {
    const text = 'The same sentence at two speeds.';
    const fast = await new MespeakProvider({ speedWpm: 260 }).synthesize({ text, language: 'en' }, join(tmp(), 'fast.wav'));
    const slow = await new MespeakProvider({ speedWpm: 120 }).synthesize({ text, language: 'en' }, join(tmp(), 'slow.wav'));
    expect(slow.durationSec).to.be.greaterThan(fast.durationSec * 1.5);
  });

  it('supports English but not Chinese, whose bundled voice is poor', async () => {
    expect(await mespeak.available()).to.equal(true);
    expect(await mespeak.supports('en')).to.equal(true);
    expect(await mespeak.supports('en-US')).to.equal(true);
    expect(await mespeak.supports('zh')).to.equal(false);
    expect(await mespeak.supports('xx')).to.equal(false);
    expect(mespeak.voiceFor('zh')).to.equal('zh');
  });

  it('still speaks Chinese as a last resort', async () => {
    const result = await mespeak.synthesize({ text: '你好，世界。', language: 'zh' }, join(tmp(), 'zh.wav'));
    expect(result.voice).to.equal('zh');
    expect(result.durationSec).to.be.greaterThan(0.2);
  });

  it('speaks text that starts with "-" instead of reading it as options', async () => {
    const result = await mespeak.synthesize({ text: '-v de minus signs are words too', language: 'en' }, join(tmp(), 'dash.wav'));
    expect(result.voice).to.equal('en/en-us');
    expect(result.durationSec).to.be.greaterThan(1);
  });

  it('refuses empty text and unknown or path-like voices', async () => {
    const attempt = (text: string, voice?: string) =>
      mespeak.synthesize(voice === undefined ? { text, language: 'en' } : { text, language: 'en', voice }, join(tmp(), 'x.wav')).then(
        () => expect.fail('expected a MespeakError'),
        (e: unknown) => e as MespeakError,
      );
    expect(await attempt('   ')).to.be.instanceOf(MespeakError).and.include({ code: 'speech-empty-text', provider: 'mespeak' });
    expect(await attempt('Hi.', 'xx/yy')).to.include({ code: 'unknown-voice' });
    expect(await attempt('Hi.', '../../package')).to.include({ code: 'unknown-voice' });
  });

  it('describes its voice for the user', () => {
    expect(mespeak.describeVoice('en')).to.equal('mespeak (English voice en/en-us)');
    expect(mespeak.describeVoice('zh')).to.equal('mespeak (Chinese voice zh, low quality)');
  });
});
