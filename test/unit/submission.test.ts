import { expect } from 'chai';
import { loadFlow } from '../../src/adapters/flow-files.ts';
import { resumeChanges, validateSubmission } from '../../src/pipeline/submission.ts';
import { chooseVoice } from '../../src/pipeline/voices.ts';
import type { SpeechProvider, VoiceInfo } from '../../src/providers/types.ts';

/**
 * The one validation every entry point uses, as a table: each refusal with
 * its code and what its message must name, then what an accepted
 * submission becomes. Speech providers are plain objects with fixed voices.
 */

function provider(name: string, voices: string[] | undefined): SpeechProvider {
  const listed: VoiceInfo[] | undefined = voices?.map((v) => ({ id: `${name}:${v}`, provider: name, language: v, name: v }));
  return {
    name,
    ...(listed ? { voices: async () => listed } : {}),
    supports: async () => true,
    synthesize: async () => {
      throw new Error('not in this test');
    },
  };
}

const speech = [provider('espeak-ng', ['en-us', 'cmn']), provider('mespeak', ['en/en-us'])];
const ctx = { speech };
const article = { body: 'A short article. It has two sentences.' };

const refusals: Array<[string, unknown, string, RegExp]> = [
  ['a body that is not an object', 5, 'invalid-body', /object/],
  ['a list', [article], 'invalid-body', /object/],
  ['neither article nor prompt', { options: {} }, 'invalid-body', /article.*prompt/],
  ['both article and prompt', { article, prompt: 'A video about tea.' }, 'invalid-body', /not article and prompt/],
  ['an unknown field', { article, colour: 'red' }, 'invalid-body', /colour/],
  ['a numeric body', { article: { body: 42 } }, 'invalid-body', /article\.body must be a string/],
  ['an article without a body', { article: { title: 'x' } }, 'invalid-body', /body/],
  ['an article that is a string', { article: 'text' }, 'invalid-body', /article must be a JSON object/],
  ['a numeric title', { article, title: 3 }, 'invalid-body', /title must be a string/],
  ['options that are a list', { article, options: ['16:9'] }, 'invalid-body', /options must be a JSON object/],
  ['options that are a string', { article, options: 'fast' }, 'invalid-body', /options must be a JSON object/],
  ['a flow that is not a name', { article, flow: '../etc/passwd' }, 'invalid-body', /flow/],
  ['a whitespace-only article', { article: { body: '  \n\t \n' } }, 'article-empty', /no text/],
  ['an article of markup only', { article: { body: '<p> </p><div></div>' } }, 'article-empty', /no text/],
  ['a binary article', { article: { body: 'a\u0000b' } }, 'article-binary', /not text/],
  ['bytes that are not UTF-8', { article: { body: Buffer.from([0xc3, 0x28, 0x41, 0x42]) } }, 'article-binary', /invalid utf8/],
  ['a too long article', { article: { body: 'word '.repeat(20_000) } }, 'article-too-long', /limit/],
  ['an empty prompt', { prompt: '   ' }, 'article-empty', /no text/],
  ['a binary prompt', { prompt: 'x\u0000y' }, 'article-binary', /not text/],
  ['a too long prompt', { prompt: 'tea '.repeat(2000) }, 'article-too-long', /limit is 4000/],
  ['a numeric prompt', { prompt: 12 }, 'invalid-body', /prompt must be a string/],
  ['an unknown option', { article, options: { colour: 'red' } }, 'invalid-option', /unknown option "colour".*format, voice, duration_s, tone, captions, music, reuse/],
  ['an unknown format', { article, options: { format: '4:3' } }, 'invalid-option', /format must be one of 16:9, 9:16, 1:1 \(got "4:3"\)/],
  ['an unknown tone', { article, options: { tone: 'angry' } }, 'invalid-option', /tone must be one of calm, upbeat, serious, playful/],
  ['an unknown caption style', { article, options: { captions: 'wavy' } }, 'invalid-option', /captions must be one of sentence, karaoke, pop/],
  ['a duration that is a string', { article, options: { duration_s: '30' } }, 'invalid-option', /duration_s must be a number of seconds from 5 to 900/],
  ['a negative duration', { article, options: { duration_s: -3 } }, 'invalid-option', /duration_s/],
  ['a huge duration', { article, options: { duration_s: 1e9 } }, 'invalid-option', /duration_s/],
  ['music that is a string', { article, options: { music: 'yes' } }, 'invalid-option', /music must be true or false/],
  ['reuse that is a number', { article, options: { reuse: 0 } }, 'invalid-option', /reuse must be true or false/],
  ['an odd size', { article, options: { size: '321x181' } }, 'invalid-option', /even/],
  ['an empty voice', { article, options: { voice: '' } }, 'invalid-option', /voice must be/],
  ['an unknown voice', { article, options: { voice: 'klingon' } }, 'unknown-voice', /"klingon" is not available here; available: espeak-ng:en-us, espeak-ng:cmn, mespeak:en\/en-us/],
  ['a voice of another provider', { article, options: { voice: 'mespeak:cmn' } }, 'unknown-voice', /available/],
  ['a provider that is not configured', { article, options: { voice: 'openai' } }, 'unknown-voice', /available/],
];

describe('submission validation', () => {
  for (const [what, raw, code, message] of refusals) {
    it(`refuses ${what} with ${code}`, async () => {
      const error = await validateSubmission(raw, ctx).then(() => undefined, (e: unknown) => e as { code: string; message: string; retryable: boolean });
      expect(error, 'refused').to.not.equal(undefined);
      expect(error!.code).to.equal(code);
      expect(error!.message).to.match(message);
      expect(error!.retryable).to.equal(false);
    });
  }

  it('refuses callback_url where the entry point takes none, and one that is not http', async () => {
    const cli = await validateSubmission({ article, callback_url: 'http://x' }, { ...ctx, without: ['callback_url'] }).catch((e: { code: string }) => e.code);
    expect(cli).to.equal('invalid-body');
    const file = await validateSubmission({ article, callback_url: 'file:///etc/passwd' }, ctx).catch((e: { code: string }) => e.code);
    expect(file).to.equal('invalid-body');
  });

  it('accepts every documented option and keeps them as given, with the title from the article', async () => {
    const options = { format: '9:16', voice: 'espeak-ng:en-us+f3', duration_s: 45, tone: 'calm', captions: 'karaoke', music: false, reuse: false, size: '540x960', watermark: false };
    const valid = await validateSubmission({ flow: 'article-video', article: { body: '# Tea\n\nTea is a drink. It is old.' }, options }, ctx);
    expect(valid.flow).to.equal('article-video');
    expect(valid.input).to.deep.equal({ options, article: { body: '# Tea\n\nTea is a drink. It is old.' } });
    expect(valid.title).to.equal('Tea');
    expect(valid.callbackUrl).to.equal(null);
  });

  it('stores an article read as bytes as text, and a given title wins', async () => {
    const valid = await validateSubmission({ article: { body: Buffer.from('Plain words here. And more.') }, title: 'Given' }, ctx);
    expect(valid.input.article).to.deep.equal({ body: 'Plain words here. And more.' });
    expect(valid.title).to.equal('Given');
  });

  it('takes a script of scenes and refuses one with an empty scene', async () => {
    const valid = await validateSubmission({ script: { title: 'S', scenes: [{ text: 'One.' }, { text: 'Two.', keywords: ['b'] }] } }, ctx);
    expect(valid.input.script?.scenes).to.have.length(2);
    const empty = await validateSubmission({ script: { scenes: [{ text: ' ' }] } }, ctx).catch((e: { code: string }) => e.code);
    expect(empty).to.equal('invalid-script');
  });
});

describe('voice choice', () => {
  const cases: Array<[string, { provider: string; voice?: string }]> = [
    ['espeak-ng', { provider: 'espeak-ng' }],
    ['en-us', { provider: 'espeak-ng', voice: 'en-us' }],
    ['en-us+f3', { provider: 'espeak-ng', voice: 'en-us+f3' }],
    ['espeak-ng:cmn', { provider: 'espeak-ng', voice: 'cmn' }],
    ['mespeak:en/en-us', { provider: 'mespeak', voice: 'en/en-us' }],
    ['en/en-us', { provider: 'mespeak', voice: 'en/en-us' }],
  ];
  for (const [asked, chosen] of cases) {
    it(`reads ${asked} as ${JSON.stringify(chosen)}`, async () => {
      expect(await chooseVoice(asked, speech)).to.deep.equal(chosen);
    });
  }

  it('refuses a variant of a voice that is not installed, and a provider that offers no voices', async () => {
    for (const asked of ['fr+f3', 'en-us+no/such', 'mespeak']) {
      const refused = await chooseVoice(asked, [speech[0]!, provider('mespeak', [])]).catch((e: { code: string }) => e.code);
      expect(refused, asked).to.equal('unknown-voice');
    }
  });

  it('takes any voice addressed to a provider that cannot list its voices', async () => {
    expect(await chooseVoice('remote:alloy', [provider('remote', undefined)])).to.deep.equal({ provider: 'remote', voice: 'alloy' });
  });
});

describe('resume changes', () => {
  const stored = { article, options: { format: '9:16', voice: 'espeak-ng:en-us' } };
  it('takes voice, music, captions and tone, checked', async () => {
    expect(await resumeChanges(stored, { voice: 'mespeak:en/en-us', music: false, captions: 'pop', tone: 'upbeat' }, ctx))
      .to.deep.equal({ voice: 'mespeak:en/en-us', music: false, captions: 'pop', tone: 'upbeat' });
    expect(await resumeChanges(stored, undefined, ctx)).to.equal(undefined);
  });

  it('refuses another format with format-change-needs-new-task, and lets the same one through as no change', async () => {
    const error = await resumeChanges(stored, { format: '16:9' }, ctx).catch((e: { code: string; message: string }) => e);
    expect(error).to.include({ code: 'format-change-needs-new-task' });
    expect((error as { message: string }).message).to.match(/new task/);
    expect(await resumeChanges(stored, { format: '9:16' }, ctx)).to.equal(undefined);
    expect(await resumeChanges({ article }, { format: '9:16' }, ctx).catch((e: { code: string }) => e.code)).to.equal('format-change-needs-new-task');
  });

  it('refuses a changed voice, music, caption style or tone when what reads it does not run again', async () => {
    const flow = loadFlow('article-video', process.cwd());
    const late = await resumeChanges(stored, { voice: 'cmn' }, { ...ctx, resumed: { flow, from: 'VideoSynthesis' } }).catch((e: { code: string; message: string }) => e);
    expect(late).to.include({ code: 'invalid-option' });
    expect((late as { message: string }).message).to.match(/needs SpeechSynthesis to run again: resume from SpeechSynthesis/);
    expect(await resumeChanges(stored, { music: false }, { ...ctx, resumed: { flow, from: 'SpeechSynthesis' } }).catch((e: { code: string }) => e.code)).to.equal('invalid-option');
    expect(await resumeChanges(stored, { voice: 'cmn' }, { ...ctx, resumed: { flow, from: 'TextProcessor' } })).to.deep.equal({ voice: 'cmn' });
    expect(await resumeChanges(stored, { music: true }, { ...ctx, resumed: { flow, from: 'MusicSelector' } })).to.deep.equal({ music: true });
    // The caption style and the tone (its default) are read by SubtitleBuilder.
    expect(await resumeChanges(stored, { tone: 'calm' }, { ...ctx, resumed: { flow, from: 'MusicSelector' } }).catch((e: { code: string; message: string }) => e.message)).to.match(/needs SubtitleBuilder to run again/);
    expect(await resumeChanges(stored, { captions: 'pop' }, { ...ctx, resumed: { flow, from: 'SceneRender' } }).catch((e: { code: string }) => e.code)).to.equal('invalid-option');
    expect(await resumeChanges(stored, { captions: 'pop', tone: 'calm' }, { ...ctx, resumed: { flow, from: 'SubtitleBuilder' } })).to.deep.equal({ captions: 'pop', tone: 'calm' });
  });

  it('refuses an unknown voice, an option a resume cannot change, and options for one scene', async () => {
    expect(await resumeChanges(stored, { voice: 'klingon' }, ctx).catch((e: { code: string }) => e.code)).to.equal('unknown-voice');
    expect(await resumeChanges(stored, { size: '540x960' }, ctx).catch((e: { code: string; message: string }) => e.message)).to.match(/cannot be changed here.*voice, music, captions, tone/);
    expect(await resumeChanges(stored, { voice: 'cmn' }, { ...ctx, scene: 0 }).catch((e: { code: string }) => e.code)).to.equal('invalid-option');
  });
});
