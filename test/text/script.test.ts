import { expect } from 'chai';
import fc from 'fast-check';
import {
  buildScript,
  DEFAULT_CHARS_PER_SEC,
  DEFAULT_WORDS_PER_SEC,
  estimateSpeechSec,
  FALLBACK_SCENE_KEYWORDS,
  ScriptOptionError,
  SUBTITLE_MAX_CHARS,
  subtitleLines,
} from '../../src/pipeline/text/script.ts';
import { displayWidth } from '../../src/pipeline/text/language.ts';

const RATES = { wordsPerSec: DEFAULT_WORDS_PER_SEC, charsPerSec: DEFAULT_CHARS_PER_SEC };
const WORDS = ['the', 'market', 'electric', 'car', 'grows', 'fast', 'in', 'Europe', 'battery', 'prices', 'fell', '2024', 'supercalifragilistic'];
const HAN = [...'人工智能技术发展迅速很多公司正在使用提高效率股价上涨投资者非常满意'];

const englishSentence = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 45 }).map((w) => `${w.join(' ')}.`);
const chineseSentence = fc.array(fc.constantFrom(...HAN), { minLength: 1, maxLength: 80 }).map((c) => `${c.join('')}。`);

describe('buildScript', () => {
  it('never puts more than maxSceneSec of speech in a scene, except a single long sentence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(englishSentence, chineseSentence), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 2, max: 20 }),
        (sentences, maxSceneSec) => {
          const script = buildScript({ title: 't', language: 'en' }, { sentences, keyPhrases: [] }, { maxSceneSec });
          expect(script.scenes.flatMap((s) => s.sentences)).to.deep.equal(sentences);
          for (const scene of script.scenes) {
            if (scene.sentences.length > 1) expect(scene.estimatedSec).to.be.at.most(maxSceneSec);
            else expect(scene.sentences).to.have.length(1);
          }
          // Greedy: a scene is closed only when the next sentence would not fit.
          for (let i = 0; i + 1 < script.scenes.length; i++) {
            const next = estimateSpeechSec(script.scenes[i + 1]!.sentences[0]!, RATES);
            expect(script.scenes[i]!.estimatedSec + next).to.be.greaterThan(maxSceneSec);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives a sentence longer than maxSceneSec a scene of its own', () => {
    const long = `${'word '.repeat(40).trim()}.`;
    const script = buildScript({ title: 't', language: 'en' }, { sentences: ['Short one.', long, 'Short two.'], keyPhrases: [] }, { maxSceneSec: 8 });
    expect(script.scenes.map((s) => s.sentences)).to.deep.equal([['Short one.'], [long], ['Short two.']]);
    expect(script.scenes[1]!.estimatedSec).to.be.greaterThan(8);
  });

  it('estimates English by words and Chinese by characters, mixed text by both', () => {
    expect(estimateSpeechSec('one two three four five six seven eight nine ten eleven twelve thirteen', RATES)).to.equal(5);
    expect(estimateSpeechSec('今天天气很好，我们去公园散步吧。', { wordsPerSec: 2.6, charsPerSec: 4.5 })).to.equal(3.11);
    expect(estimateSpeechSec('苹果发布iPhone', { wordsPerSec: 1, charsPerSec: 2 })).to.equal(3);
  });

  it('joins Chinese sentences without spaces and English ones with a space, and numbers scenes from 0', () => {
    const zh = buildScript({ title: '标题', language: 'zh' }, { sentences: ['你好。', '世界。'], keyPhrases: [] });
    expect(zh).to.deep.equal({
      title: '标题',
      language: 'zh',
      scenes: [{ index: 0, sentences: ['你好。', '世界。'], text: '你好。世界。', keywords: [], estimatedSec: 0.88 }],
    });
    const en = buildScript({ title: 'T', language: 'en' }, { sentences: ['Hi.', 'Bye.'], keyPhrases: [] });
    expect(en.scenes[0]!.text).to.equal('Hi. Bye.');
  });

  it("gives each scene the key phrases it contains, else the article's top ones", () => {
    const keyPhrases = ['electric cars', 'battery', 'Europe', 'car', '人工智能'];
    const script = buildScript(
      { title: 't', language: 'en' },
      { sentences: ['Electric cars sell well in Europe.', 'Batteries got cheaper.', 'Nothing relevant here at all.', 'Scarce resources.'], keyPhrases },
      { maxSceneSec: 2.5 },
    );
    expect(script.scenes.map((s) => s.keywords)).to.deep.equal([
      ['electric cars', 'Europe', 'car'],
      keyPhrases.slice(0, FALLBACK_SCENE_KEYWORDS), // "Batteries" is not "battery"+s
      keyPhrases.slice(0, FALLBACK_SCENE_KEYWORDS),
      keyPhrases.slice(0, FALLBACK_SCENE_KEYWORDS), // "car" in "Scarce" does not count
    ]);
  });

  it('is deterministic', () => {
    const u = { sentences: ['A b c.', '你好。', 'D e f g h i j k l m n o p q r s t.'], keyPhrases: ['b'] };
    expect(buildScript({ title: 't', language: 'en' }, u)).to.deep.equal(buildScript({ title: 't', language: 'en' }, u));
  });

  it('refuses options that are not positive numbers', () => {
    for (const opts of [{ maxSceneSec: 0 }, { wordsPerSec: -1 }, { charsPerSec: Number.NaN }]) {
      expect(() => buildScript({ title: 't', language: 'en' }, { sentences: ['x'], keyPhrases: [] }, opts)).to.throw(ScriptOptionError);
    }
  });
});

describe('subtitleLines', () => {
  it('breaks English at word boundaries into lines of at most 42 characters, losing nothing', () => {
    fc.assert(
      fc.property(englishSentence, (sentence) => {
        const lines = subtitleLines(sentence, 'en');
        expect(lines.join(' ')).to.equal(sentence);
        for (const line of lines) expect(line.length).to.be.at.most(SUBTITLE_MAX_CHARS.en);
      }),
      { numRuns: 300 },
    );
  });

  it('breaks Chinese between characters into lines of at most 16 characters, never before punctuation', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...HAN, '，', '、'), { minLength: 1, maxLength: 90 }), (chars) => {
        const sentence = `${chars.join('')}。`;
        const lines = subtitleLines(sentence, 'zh');
        expect(lines.join('')).to.equal(sentence);
        for (const line of lines) expect([...line].length).to.be.at.most(SUBTITLE_MAX_CHARS.zh);
        for (const line of lines.slice(1)) expect(line).not.to.match(/^[，、。]/);
      }),
      { numRuns: 300 },
    );
  });

  it('prefers breaking after a comma, and avoids a stray last word', () => {
    expect(subtitleLines('近年来，人工智能技术发展迅速，苹果公司发布了新的iPhone 15，价格为999美元！', 'zh')).to.deep.equal([
      '近年来，人工智能技术发展迅速，',
      '苹果公司发布了新的iPhone 15，',
      '价格为999美元！',
    ]);
    const lines = subtitleLines('The electric car market in Northern Europe is now the largest in the whole world, by far.', 'en');
    expect(lines.at(-1)!.length).to.be.greaterThan(10);
  });

  it('counts a CJK character as two Latin ones in mixed lines, and cuts a word longer than a line', () => {
    for (const line of subtitleLines('他用MacBook Pro写了一篇关于人工智能的很长很长的文章', 'zh', 8)) expect(displayWidth(line)).to.be.at.most(16);
    expect(subtitleLines('see https://example.com/a/very/long/path/that/never/ends/at/all', 'en', 20)).to.deep.equal([
      'see',
      'https://example.com/',
      'a/very/long/path/tha',
      't/never/ends/at/all',
    ]);
  });

  it('returns one line for a short sentence and none for an empty one', () => {
    expect(subtitleLines('  Hello   world. ', 'en')).to.deep.equal(['Hello world.']);
    expect(subtitleLines('', 'zh')).to.deep.equal([]);
  });
});
