import { expect } from 'chai';
import { chooseSpeech, languageName, NoSpeechProviderError } from '../../src/providers/speech/choose.ts';
import { EspeakNgProvider } from '../../src/providers/speech/espeak-ng.ts';
import { MespeakProvider } from '../../src/providers/speech/mespeak.ts';
import type { SpeechProvider } from '../../src/providers/types.ts';

/** A provider as a plain object: speaks `languages`, runs when `runs`; 'unsaid' has no `available()`. */
function fake(name: string, languages: string[], runs: boolean | 'unsaid' = true): SpeechProvider & { available?: () => Promise<boolean> } {
  const provider = {
    name,
    supports: async (language: string) => runs !== false && languages.includes(language),
    synthesize: async () => {
      throw new Error('not in these tests');
    },
  };
  return runs === 'unsaid' ? provider : { ...provider, available: async () => runs };
}

describe('chooseSpeech', () => {
  it('takes the first provider that speaks the language', async () => {
    const a = fake('a', ['en']);
    const b = fake('b', ['en', 'zh']);
    expect((await chooseSpeech('zh', [a, b])).provider).to.equal(b);
    const en = await chooseSpeech('en', [a, b]);
    expect(en).to.include({ provider: a, fluent: true, reason: 'a (English)' });
  });

  it('tries the preferred provider first', async () => {
    const a = fake('a', ['en']);
    const b = fake('b', ['en']);
    expect((await chooseSpeech('en', [a, b], 'b')).provider).to.equal(b);
  });

  it('says so when the preferred provider cannot speak the language or is not configured', async () => {
    const a = fake('a', ['en']);
    const b = fake('b', ['zh']);
    const choice = await chooseSpeech('en', [a, b], 'b');
    expect(choice.provider).to.equal(a);
    expect(choice.reason).to.equal('a (English); preferred b does not speak English here');
    expect((await chooseSpeech('en', [a], 'nope')).reason).to.equal('a (English); preferred nope is not configured');
  });

  it('falls back to any provider that can run, and says it is a fallback', async () => {
    const broken = fake('broken', ['zh'], false);
    const unknown = fake('unknown', [], 'unsaid');
    const poor = fake('poor', ['en']);
    const choice = await chooseSpeech('zh', [broken, unknown, poor]);
    expect(choice).to.include({ provider: poor, fluent: false });
    expect(choice.reason).to.equal('poor (Chinese); fallback: no provider here speaks Chinese well');
  });

  it('throws NoSpeechProviderError when nothing can run', async () => {
    const error = await chooseSpeech('zh', [fake('x', ['zh'], false), fake('y', [], 'unsaid')]).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(NoSpeechProviderError).and.deep.include({ code: 'no-speech-provider', language: 'zh', tried: ['x', 'y'] });
  });

  it('with the real providers: English from meSpeak, Mandarin from espeak-ng when installed, else meSpeak as a fallback', async () => {
    const mespeak = new MespeakProvider();
    const espeak = new EspeakNgProvider();
    const en = await chooseSpeech('en', [mespeak, espeak], 'mespeak');
    expect(en).to.deep.include({ provider: mespeak, voice: 'en/en-us', reason: 'mespeak (English voice en/en-us)' });
    const zh = await chooseSpeech('zh', [mespeak, espeak]);
    if (await espeak.available()) {
      expect(zh).to.deep.include({ provider: espeak, voice: 'cmn', fluent: true, reason: 'espeak-ng (Mandarin voice cmn)' });
    } else {
      expect(zh).to.deep.include({ provider: mespeak, voice: 'zh', fluent: false });
      expect(zh.reason).to.match(/^mespeak \(Chinese voice zh, low quality\); fallback/);
    }
    const noEspeak = await chooseSpeech('zh', [new EspeakNgProvider({ command: 'espeak-ng-not-installed-here' }), mespeak], 'espeak-ng');
    expect(noEspeak.provider).to.equal(mespeak);
    expect(noEspeak.reason).to.equal('mespeak (Chinese voice zh, low quality); fallback: no provider here speaks Chinese well');
  });

  it('names languages and voices in English', () => {
    expect(languageName('cmn')).to.equal('Mandarin');
    expect(languageName('en-US')).to.equal('American English');
    expect(languageName('de')).to.equal('German');
  });
});
