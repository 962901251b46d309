import { expect } from 'chai';
import type { IllustrationKeywords } from '../../src/adapters/illustrations/fluent-emoji.ts';
import { chooseVisuals, type ChoiceScene } from '../../src/pipeline/visuals/choose.ts';
import { sceneTerms } from '../../src/pipeline/visuals/scene-terms.ts';

/** A tiny illustration set: keywords to icon names, as the bundled index maps them. */
const SET: IllustrationKeywords = (() => {
  const en: Record<string, string[]> = { train: ['train', 'locomotive'], tree: ['deciduous-tree'], coffee: ['hot-beverage'] };
  const zh: Record<string, string[]> = { 火车: ['train', 'locomotive'], 咖啡: ['hot-beverage'] };
  return {
    lookup: (language, keyword) => (language === 'en' ? en : zh)[keyword] ?? [],
    chineseKeywords: () => Object.keys(zh),
  };
})();

const en = (text: string): ChoiceScene => ({ text, language: 'en', terms: sceneTerms(text, 'en') });
const zh = (text: string, keyPhrases: string[] = []): ChoiceScene => ({ text, language: 'zh', terms: sceneTerms(text, 'zh', keyPhrases) });

describe('choosing a scene illustration by its words', () => {
  it('finds the icon of an English plural by its singular', () => {
    const [choice] = chooseVisuals([en('Night trains cross the border after dark.')], [], SET);
    expect(choice).to.include({ kind: 'illustration', icon: 'train', term: 'trains' });
    // The type beside the icon names what it shows.
    expect(choice!.phrase.toLowerCase()).to.include('train');
  });

  it('finds a Chinese keyword inside the narration, which has no spaces', () => {
    const [choice] = chooseVisuals([zh('夜间的火车穿过边境。')], [], SET);
    expect(choice).to.include({ kind: 'illustration', icon: 'train', term: '火车', phrase: '火车' });
  });

  it('never shows an icon twice: a later scene takes the next icon of its word, then type alone', () => {
    const choices = chooseVisuals([en('The train leaves at nine.'), en('Another train waits.'), en('A third train arrives.')], [], SET);
    expect(choices.map((c) => c.kind === 'illustration' ? c.icon : c.kind)).to.deep.equal(['train', 'locomotive', 'typography']);
  });

  it('sets a scene that names nothing as its key phrase alone, never a random picture', () => {
    const [choice] = chooseVisuals([en('Engineers measured the results carefully.')], [], SET);
    expect(choice!.kind).to.equal('typography');
    expect(choice!.term).to.equal(null);
    expect(choice!.phrase.length).to.be.greaterThan(0);
  });

  it('illustrates a scene by one of its nouns', () => {
    const [choice] = chooseVisuals([en('They drink coffee under the tree.')], [], SET);
    expect(choice).to.include({ kind: 'illustration' });
    expect(['hot-beverage', 'deciduous-tree']).to.include((choice as { icon: string }).icon);
  });
});
