import { expect } from 'chai';
import { MAX_SENTENCE_HAN, MAX_SENTENCE_WORDS, splitLongSentence, splitSentences } from '../../src/pipeline/text/sentences.ts';
import { hanCount, latinWordCount } from '../../src/pipeline/text/language.ts';

describe('splitSentences: English', () => {
  it('splits with wink-nlp, keeping abbreviations, decimals and dates whole', () => {
    expect(splitSentences('Dr. Smith paid $3.5 million on Jan. 5, 2024. He left early! Did he?', 'en')).to.deep.equal([
      'Dr. Smith paid $3.5 million on Jan. 5, 2024.',
      'He left early!',
      'Did he?',
    ]);
  });

  it('ends a sentence at every paragraph break, even without punctuation', () => {
    expect(splitSentences('A heading\n\nThe body starts here. It ends here', 'en')).to.deep.equal(['A heading', 'The body starts here.', 'It ends here']);
  });

  it('keeps an ellipsis with the sentence it ends', () => {
    const s = splitSentences('Revenue fell in Q3... Terrible news for investors.', 'en');
    expect(s[0]).to.match(/\.\.\.$/);
    expect(s.join(' ')).to.equal('Revenue fell in Q3... Terrible news for investors.');
  });
});

describe('splitSentences: Chinese', () => {
  it('splits on 。！？；… and keeps runs of them together', () => {
    expect(splitSentences('今天下雨了。你带伞了吗？带了！太好了；我们走吧……好的', 'zh')).to.deep.equal([
      '今天下雨了。',
      '你带伞了吗？',
      '带了！',
      '太好了；',
      '我们走吧……',
      '好的',
    ]);
  });

  it('keeps closing quotes and brackets with the sentence they close', () => {
    expect(splitSentences('他说：“我很高兴。”然后走了。她说「好！」（真的。）再见。', 'zh')).to.deep.equal([
      '他说：“我很高兴。”',
      '然后走了。',
      '她说「好！」',
      '（真的。）',
      '再见。',
    ]);
  });

  it('handles English words, numbers and ASCII punctuation inside Chinese text', () => {
    expect(splitSentences('苹果发布了iPhone 15，价格是999.99美元! 你觉得贵吗? U.S.市场反应平平. 完。', 'zh')).to.deep.equal([
      '苹果发布了iPhone 15，价格是999.99美元!',
      '你觉得贵吗?',
      'U.S.市场反应平平.',
      '完。',
    ]);
  });

  it('splits each paragraph by its own script in a mixed article', () => {
    expect(splitSentences('第一段。第二句。\n\nAn English paragraph, Dr. Lee said. Another one.', 'zh')).to.deep.equal([
      '第一段。',
      '第二句。',
      'An English paragraph, Dr. Lee said.',
      'Another one.',
    ]);
  });
});

describe('splitLongSentence', () => {
  it(`cuts a sentence of more than ${MAX_SENTENCE_HAN} Han characters at full-width commas`, () => {
    const clause = '这是一个很长的从句用于测试切分效果';
    const sentence = `${clause}，${clause}，${clause}，${clause}，${clause}。`;
    expect(hanCount(sentence)).to.be.greaterThan(MAX_SENTENCE_HAN);
    const pieces = splitSentences(sentence, 'zh');
    expect(pieces.length).to.be.greaterThan(1);
    expect(pieces.join('')).to.equal(sentence);
    for (const p of pieces) expect(hanCount(p)).to.be.at.most(MAX_SENTENCE_HAN);
    for (const p of pieces.slice(0, -1)) expect(p.endsWith('，')).to.equal(true);
  });

  it(`cuts a sentence of more than ${MAX_SENTENCE_WORDS} words at commas, but never inside a number`, () => {
    const clause = 'the council spent about 1,000 dollars on new benches for the park';
    const sentence = `Last year ${clause}, then ${clause}, and finally ${clause}.`;
    expect(latinWordCount(sentence)).to.be.greaterThan(MAX_SENTENCE_WORDS);
    const pieces = splitLongSentence(sentence);
    expect(pieces.length).to.be.greaterThan(1);
    expect(pieces.join(' ')).to.equal(sentence);
    for (const p of pieces) expect(latinWordCount(p)).to.be.at.most(MAX_SENTENCE_WORDS);
    for (const p of pieces) expect(p).not.to.match(/^\d{3}/);
  });

  it('leaves a long sentence without commas whole, and short sentences alone', () => {
    const long = 'word '.repeat(MAX_SENTENCE_WORDS + 5).trim();
    expect(splitLongSentence(long)).to.deep.equal([long]);
    expect(splitLongSentence('Short, sweet, done.')).to.deep.equal(['Short, sweet, done.']);
  });
});
