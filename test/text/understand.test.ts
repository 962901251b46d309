import { expect } from 'chai';
import { parseArticle } from '../../src/pipeline/text/article.ts';
import { splitSentences } from '../../src/pipeline/text/sentences.ts';
import { MAX_KEY_PHRASES, understand } from '../../src/pipeline/text/understand.ts';

const ENGLISH = `# Electric cars win over Northern Europe

Sales of electric cars rose sharply last year. The electric car market in Norway is now the largest in Europe.
Battery prices fell again, and charging stations doubled. Analysts expect electric cars to dominate by 2030.
Dr. Smith said the battery prices would keep falling.`;

const CHINESE = `人工智能改变世界

近年来，人工智能技术发展迅速。很多公司正在使用人工智能提高效率。
人工智能公司的股价上涨，投资者非常满意。专家认为人工智能将改变医疗和教育。我们需要关注人工智能的安全。`;

describe('understand: English', () => {
  const article = parseArticle(ENGLISH);
  const u = understand(article);

  it('returns the sentences of splitSentences and the article language', () => {
    expect(u.language).to.equal('en');
    expect(u.sentences).to.deep.equal(splitSentences(article.body, 'en'));
  });

  it('finds noun chunks and frequent nouns as key phrases, most frequent first', () => {
    expect(u.keyPhrases.length).to.be.within(3, MAX_KEY_PHRASES);
    expect(u.keyPhrases[0]).to.equal('electric cars');
    expect(u.keyPhrases).to.include('battery prices');
    expect(u.keyPhrases).to.include('Dr. Smith');
    // No stop words, numbers or single letters on their own.
    for (const k of u.keyPhrases) expect(k).not.to.match(/^(?:the|and|of|in|\d+|\w)$/i);
  });

  it('does not offer a phrase contained in one already chosen', () => {
    expect(u.keyPhrases).not.to.include('electric car');
    expect(u.keyPhrases).not.to.include('cars');
  });

  it('is deterministic', () => {
    expect(understand(article)).to.deep.equal(u);
  });

  it('reads the tone from wink-nlp sentiment', () => {
    const tone = (body: string) => understand({ body, language: 'en' }).tone;
    expect(tone('The festival was a wonderful success. Everyone loved the happy, joyful music.')).to.equal('positive');
    expect(tone('The flood was a terrible disaster. Many people lost their homes and are angry and sad.')).to.equal('negative');
    expect(tone('The council meets on Tuesday at the town hall to discuss the budget.')).to.equal('neutral');
  });
});

describe('understand: Chinese', () => {
  const article = parseArticle(CHINESE);
  const u = understand(article);

  it('finds repeated 2–4 character phrases, without stop words or fragments of longer phrases', () => {
    expect(u.language).to.equal('zh');
    expect(u.keyPhrases[0]).to.equal('人工智能');
    expect(u.keyPhrases.length).to.be.within(1, MAX_KEY_PHRASES);
    for (const bad of ['人工智', '工智能', '我们', '的']) expect(u.keyPhrases).not.to.include(bad);
  });

  it('keeps Latin brand names found in Chinese text', () => {
    expect(understand({ body: '苹果发布了新的iPhone。iPhone的价格不变。', language: 'zh' }).keyPhrases).to.include('iPhone');
  });

  it('reads the tone from a small lexicon, with negation', () => {
    const tone = (body: string) => understand({ body, language: 'zh' }).tone;
    expect(u.tone).to.equal('positive');
    expect(tone('公司亏损严重，股价暴跌，员工担心裁员。')).to.equal('negative');
    expect(tone('会议在周二下午三点举行。')).to.equal('neutral');
    expect(tone('顾客对服务不满意，也不喜欢新产品。')).to.equal('negative');
  });
});
