import { expect } from 'chai';
import {
  ArticleError,
  ArticleTooLongError,
  BinaryArticleError,
  EmptyArticleError,
  MAX_ARTICLE_CHARS,
  parseArticle,
  sniffFormat,
} from '../../src/pipeline/text/index.ts';
import { decodeEntities } from '../../src/pipeline/text/html.ts';
import { detectLanguage } from '../../src/pipeline/text/language.ts';

function paragraphs(body: string): string[] {
  return body.split('\n\n');
}

describe('parseArticle: Markdown', () => {
  const md = [
    '---',
    'layout: post',
    'title: "Front matter title"',
    '---',
    '# Electric cars take over',
    '',
    'Sales of **electric cars** rose by _30%_ in 2024, says [the agency](https://example.com "Agency").',
    '![A chart](chart.png)',
    '',
    '## Why it matters',
    '',
    '- Battery prices *fell*.',
    '- Charging stations ~~halved~~ doubled.',
    '1. Run `npm test` first.',
    '',
    '```js',
    'console.log("never narrated");',
    '```',
    '',
    '> Quoted words stay.',
    '',
    '<!-- an editor note -->',
    '[agency]: https://example.com',
    'Keep snake_case_names and 2*3*4 as written.',
    '',
    '---',
    '',
    '| Year | Sales |',
    '| ---- | ----- |',
    '| 2024 | 1.2m |',
  ].join('\n');

  it('takes the title from the first # heading and leaves it out of the body', () => {
    const a = parseArticle(md);
    expect(a.format).to.equal('markdown');
    expect(a.title).to.equal('Electric cars take over');
    expect(a.body).not.to.include('Electric cars take over');
  });

  it('keeps link text, drops images, code fences, comments and reference definitions, removes emphasis markers', () => {
    const a = parseArticle(md);
    expect(paragraphs(a.body)).to.deep.equal([
      'Sales of electric cars rose by 30% in 2024, says the agency.',
      'Why it matters',
      'Battery prices fell.',
      'Charging stations halved doubled.',
      'Run npm test first.',
      'Quoted words stay.',
      'Keep snake_case_names and 2*3*4 as written.',
      'Year, Sales',
      '2024, 1.2m',
    ]);
    for (const gone of ['chart', 'console.log', 'editor note', 'https://', '**', '```', 'layout']) expect(a.body).not.to.include(gone);
  });

  it('falls back to the front-matter title, then to a setext heading rule', () => {
    expect(parseArticle('---\ntitle: From front matter\n---\n\nJust a paragraph of text here.\n\n- and a list').title).to.equal('From front matter');
    const setext = parseArticle('Big News\n========\n\nSomething *happened* today.');
    expect(setext).to.include({ title: 'Big News', body: 'Something happened today.', format: 'markdown' });
  });

  it('joins soft-wrapped lines of a paragraph into one line', () => {
    const a = parseArticle('# T\n\nThis sentence is\nwrapped over\nthree lines.', { filename: 'a.md' });
    expect(a.body).to.equal('This sentence is wrapped over three lines.');
  });

  it('lets an explicit title win over the heading', () => {
    const a = parseArticle('# Heading title\n\nBody text.', { title: '  Given title ' });
    expect(a.title).to.equal('Given title');
    expect(a.body).to.equal('Body text.');
  });
});

describe('parseArticle: HTML', () => {
  const html = `<!DOCTYPE html>
<html><head><title>Page title | Site</title><style>p { color: red }</style>
<script>var x = "<p>not text</p>";</script></head>
<body><nav><a href="/">Home</a></nav>
<h1 class="headline">Rain &amp; <em>wind</em></h1>
<p>It rained <b>all</b> day&nbsp;long &#8211; and the wind&#x2019;s speed hit 90&nbsp;km/h.</p>
<p data-x="a > b">Second<br>line &lt;tag&gt; &copy; &unknown;</p>
<!-- <p>commented out</p> -->
<ul><li>One</li><li>Two</li></ul>
<pre><code>npm run build</code></pre>
<script type="module">alert(1)</script>
</body></html>`;

  it('takes the title from <h1>, strips tags, decodes entities, drops scripts, styles and navigation', () => {
    const a = parseArticle(html);
    expect(a.format).to.equal('html');
    expect(a.title).to.equal('Rain & wind');
    expect(paragraphs(a.body)).to.deep.equal([
      'It rained all day long – and the wind’s speed hit 90 km/h.',
      'Second line <tag> © &unknown;',
      'One',
      'Two',
    ]);
    for (const gone of ['not text', 'color', 'alert', 'Home', 'commented out', 'Page title', 'npm run']) expect(a.body).not.to.include(gone);
  });

  it('falls back to <title> when there is no <h1>', () => {
    const a = parseArticle('<html><head><title>Only &quot;title&quot;</title></head><body><p>Body.</p></body></html>');
    expect(a.title).to.equal('Only "title"');
    expect(a.body).to.equal('Body.');
  });

  it('reads the format from the file name before sniffing', () => {
    expect(parseArticle('<p>Hi there.</p>', { filename: 'x.txt' }).format).to.equal('text');
    expect(parseArticle('Plain words.', { filename: 'page.HTM' }).format).to.equal('html');
  });

  it('decodes decimal, hexadecimal and named references, and leaves unknown names alone', () => {
    expect(decodeEntities('&#20013;&#x6587; &hellip; &amp;amp; &nope; &#0;')).to.equal('中文 … &amp; &nope; \ufffd');
  });
});

describe('parseArticle: plain text', () => {
  it('takes a short first line as the title', () => {
    const a = parseArticle('Storm warning\n\nHeavy rain is expected tonight. Stay inside.');
    expect(a).to.deep.equal({ title: 'Storm warning', body: 'Heavy rain is expected tonight. Stay inside.', language: 'en', format: 'text' });
  });

  it('takes the first line directly above the body when the body starts a new sentence', () => {
    expect(parseArticle('Storm warning\nHeavy rain is expected tonight.').title).to.equal('Storm warning');
  });

  it('does not take a first line that is long, ends a sentence, continues on the next line, or is all there is', () => {
    const long = `${'word '.repeat(30)}end`;
    expect(parseArticle(`${long}\n\nMore text.`).title).to.equal('');
    expect(parseArticle('This is a sentence.\n\nMore text.').title).to.equal('');
    expect(parseArticle('This wrapped line\ncontinues here.').title).to.equal('');
    const one = parseArticle('Only one line here');
    expect(one).to.include({ title: '', body: 'Only one line here' });
  });

  it('uses the file name as the last-resort title', () => {
    expect(parseArticle('One sentence only.', { filename: '/x/rainy-day_report.txt' }).title).to.equal('rainy day report');
  });

  it('removes the first line for an explicit title only when it repeats that title', () => {
    expect(parseArticle('Storm Warning!\n\nRain tonight.', { title: 'storm warning' }).body).to.equal('Rain tonight.');
    expect(parseArticle('Breaking\n\nRain tonight.', { title: 'Other' })).to.include({ title: 'Other', body: 'Breaking\n\nRain tonight.' });
  });

  it('removes control characters other than newlines and tabs, and normalizes CRLF', () => {
    const a = parseArticle('Title\r\n\r\nHello\u0007 world\u001b.\r\nSecond\tline\u200b.');
    expect(a.body).to.equal('Hello world. Second line.');
  });

  it('accepts a Buffer of UTF-8 with a byte-order mark', () => {
    const a = parseArticle(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('标题\n\n今天天气很好。')]));
    expect(a).to.include({ title: '标题', body: '今天天气很好。', language: 'zh' });
  });
});

describe('sniffFormat', () => {
  it('tells HTML, Markdown and plain text apart', () => {
    expect(sniffFormat('<!doctype html><p>x</p>')).to.equal('html');
    expect(sniffFormat('<div><p>Hello</p><p>World</p></div>')).to.equal('html');
    expect(sniffFormat('# Title\n\nText with a <br> tag.')).to.equal('markdown');
    expect(sniffFormat('Some [link](http://x) here.')).to.equal('markdown');
    expect(sniffFormat('Just words. And 3 < 4 > 2.')).to.equal('text');
  });
});

describe('language detection', () => {
  it('is zh when Han characters make up a large share of the letters', () => {
    expect(detectLanguage('今天天气很好。')).to.equal('zh');
    expect(detectLanguage('苹果公司发布了新的 iPhone 和 MacBook，价格不变。')).to.equal('zh');
  });

  it('is en for English, for English with a few Chinese names, and by default', () => {
    expect(detectLanguage('The mayor of 北京 spoke to reporters about the new subway lines on Monday.')).to.equal('en');
    expect(detectLanguage('12345 !!!')).to.equal('en');
    expect(parseArticle('Hello world.').language).to.equal('en');
  });
});

describe('parseArticle errors', () => {
  it('refuses an article with nothing left after stripping: EmptyArticleError', () => {
    for (const [raw, format] of [
      ['', 'text'],
      ['  \n\t \n', 'text'],
      ['![only](an-image.png)\n\n```\ncode only\n```', 'markdown'],
      ['<html><head><title>T</title><script>x()</script></head><body> </body></html>', 'html'],
      ['\u0007\u0008', 'text'],
    ] as const) {
      let error: unknown;
      try {
        parseArticle(raw);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(raw)).to.be.instanceOf(EmptyArticleError);
      expect(error).to.be.instanceOf(ArticleError);
      expect(error).to.include({ code: 'article-empty', format, retryable: false });
    }
  });

  it('refuses NUL bytes, invalid UTF-8 and mostly-control input: BinaryArticleError', () => {
    const cases: [string | Buffer, string][] = [
      [Buffer.from([0x48, 0x69, 0x00, 0x21]), 'nul-bytes'],
      ['Hi\u0000there', 'nul-bytes'],
      [Buffer.from([0x48, 0x69, 0xff, 0xfe, 0x80]), 'invalid-utf8'],
      [`Text${'\u0001\u0002\u0003'.repeat(10)}`, 'control-characters'],
      [`${'\ufffd'.repeat(12)}ab`, 'control-characters'],
    ];
    for (const [raw, reason] of cases) {
      expect(() => parseArticle(raw), reason)
        .to.throw(BinaryArticleError)
        .that.includes({ code: 'article-binary', reason });
    }
  });

  it(`refuses more than MAX_ARTICLE_CHARS (${MAX_ARTICLE_CHARS}) of text: ArticleTooLongError`, () => {
    const text = 'Word '.repeat(MAX_ARTICLE_CHARS / 5 + 10);
    expect(() => parseArticle(text))
      .to.throw(ArticleTooLongError)
      .that.includes({ code: 'article-too-long', limit: MAX_ARTICLE_CHARS, measured: 'text' });
  });

  it('does not count markup against the limit', () => {
    const html = `<p>Short text.</p><!-- ${'x'.repeat(MAX_ARTICLE_CHARS * 2)} -->`;
    expect(parseArticle(html).body).to.equal('Short text.');
  });
});
