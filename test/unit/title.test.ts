import { expect } from 'chai';
import { cut, MAX_DERIVED_TITLE, taskTitle } from '../../src/pipeline/title.ts';

describe('task titles (one place for every entry point)', () => {
  it('takes the given title first, then the article title given with it', () => {
    expect(taskTitle({ article: { title: 'Article title', body: '# Heading\n\nText.' } }, '  Given \n title ')).to.equal('Given title');
    expect(taskTitle({ article: { title: 'Article title', body: '# Heading\n\nText.' } }, '   ')).to.equal('Article title');
  });

  it("finds the article's own title: a Markdown heading, an HTML heading, a short first line", () => {
    expect(taskTitle({ article: { body: '# Rivers of Europe\n\nThe Danube flows east.' } })).to.equal('Rivers of Europe');
    expect(taskTitle({ article: { body: '<html><body><h1>Night trains</h1><p>They are back.</p></body></html>' } })).to.equal('Night trains');
    expect(taskTitle({ article: { body: 'Bees in winter\n\nThey cluster to keep warm.' } })).to.equal('Bees in winter');
  });

  it('falls back to the first words of the text, cut on a word boundary with an ellipsis', () => {
    const body = 'The city council met on Tuesday evening to discuss the new tram line, which will cross the river twice and reach the airport by 2030.';
    const title = taskTitle({ article: { body } })!;
    expect(title.length).to.be.at.most(MAX_DERIVED_TITLE);
    expect(title.endsWith('…')).to.equal(true);
    expect(body.startsWith(title.slice(0, -1))).to.equal(true);
    expect(body[title.length - 1]).to.equal(' ');
  });

  it('uses the script title, then the prompt, then the first scene', () => {
    expect(taskTitle({ script: { title: 'A script', scenes: [{ text: 'Scene one.' }] } })).to.equal('A script');
    expect(taskTitle({ prompt: 'Explain how tides work' })).to.equal('Explain how tides work');
    expect(taskTitle({ script: { scenes: [{ text: 'First scene text.' }] } })).to.equal('First scene text.');
    expect(taskTitle({})).to.equal(null);
  });

  it('cuts text without spaces where the limit falls, never inside a surrogate pair', () => {
    const han = '汉'.repeat(100);
    expect(cut(han, 80)).to.equal(`${'汉'.repeat(79)}…`);
    const emoji = '😀'.repeat(100);
    expect(Array.from(cut(emoji, 80))).to.have.length(80);
    expect(cut('short', 80)).to.equal('short');
  });
});
