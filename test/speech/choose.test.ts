import { expect } from 'chai';
import { chooseSpeech, defaultVoices, languageName, NoSpeechProviderError, rankSpeech } from '../../src/providers/speech/choose.ts';
import { EspeakNgProvider } from '../../src/providers/speech/espeak-ng.ts';
import { FestivalProvider } from '../../src/providers/speech/festival.ts';
import { FliteProvider } from '../../src/providers/speech/flite.ts';
import { MespeakProvider } from '../../src/providers/speech/mespeak.ts';
import type { SpeechProvider } from '../../src/providers/types.ts';
import { skipWithReason } from './helpers.ts';

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

  it('ranks Festival above Flite above espeak-ng above meSpeak for English, whatever order they are given in', async () => {
    const festival = fake('festival', ['en']);
    const flite = fake('flite', ['en']);
    const espeak = fake('espeak-ng', ['en', 'zh']);
    const mespeak = fake('mespeak', ['en']);
    const other = fake('other', ['en']);
    expect((await chooseSpeech('en', [other, mespeak, espeak, flite, festival])).provider).to.equal(festival);
    expect((await chooseSpeech('en', [mespeak, espeak, flite, other])).provider).to.equal(flite);
    expect((await chooseSpeech('en', [other, mespeak, espeak])).provider).to.equal(espeak);
    expect((await chooseSpeech('en', [other, mespeak])).provider).to.equal(mespeak);
    expect((await chooseSpeech('en', [other])).provider).to.equal(other);
    // Mandarin: neither Festival nor Flite speaks it, so espeak-ng.
    expect((await chooseSpeech('zh', [mespeak, flite, festival, espeak])).provider).to.equal(espeak);
    // A provider the user names comes first.
    expect((await chooseSpeech('en', [festival, flite, espeak], 'espeak-ng')).provider).to.equal(espeak);
    expect(rankSpeech([mespeak, other, fake('edge-tts', []), festival]).map((p) => p.name)).to.deep.equal(['edge-tts', 'festival', 'mespeak', 'other']);
  });

  it('with the real providers: English from Festival when installed, Mandarin from espeak-ng, meSpeak when nothing is installed', async function () {
    const festival = new FestivalProvider();
    const flite = new FliteProvider();
    const espeak = new EspeakNgProvider();
    const mespeak = new MespeakProvider();
    const all = [mespeak, espeak, flite, festival];
    if (!(await festival.available()) || !(await espeak.available())) skipWithReason(this, 'festival with an HTS voice, or espeak-ng, is not installed');
    const en = await chooseSpeech('en', all);
    expect(en).to.deep.include({ provider: festival, voice: 'cmu_us_slt_arctic_hts', fluent: true, reason: 'festival (American English voice cmu_us_slt_arctic_hts, HTS)' });
    expect((await chooseSpeech('en', [mespeak, espeak, flite])).reason).to.equal('flite (American English voice slt)');
    expect((await chooseSpeech('zh', all)).reason).to.equal('espeak-ng (Mandarin voice cmn)');
    expect(await defaultVoices(all)).to.deep.equal({
      en: { provider: 'festival', voice: 'cmu_us_slt_arctic_hts' },
      zh: { provider: 'espeak-ng', voice: 'cmn' },
    });
    const none = [new FestivalProvider({ command: 'no-festival-here' }), new FliteProvider({ command: 'no-flite-here' }), new EspeakNgProvider({ command: 'no-espeak-here' }), mespeak];
    expect(await defaultVoices(none)).to.deep.equal({ en: { provider: 'mespeak', voice: 'en/en-us' }, zh: { provider: 'mespeak', voice: 'zh' } });
    expect(await defaultVoices([new FliteProvider({ command: 'no-flite-here' })])).to.deep.equal({ en: undefined, zh: undefined });
  });

  it('names languages and voices in English', () => {
    expect(languageName('cmn')).to.equal('Mandarin');
    expect(languageName('en-US')).to.equal('American English');
    expect(languageName('de')).to.equal('German');
  });
});
