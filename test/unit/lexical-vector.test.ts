import { expect } from 'chai';
import { lexicalTerms, lexicalVector } from '../../src/pipeline/text/lexical-vector.ts';
import { cosine } from '../../src/runtime/reuse/cosine.ts';

/** The lexical request vectors reuse compares offline: lemmas without stop words, counted, order ignored. */
describe('lexical request vectors', () => {
  const similarity = (a: string, b: string) => {
    const [x, y] = [lexicalVector(a), lexicalVector(b)];
    return { cos: cosine(x.vector, y.vector), sameBucket: x.bucket === y.bucket };
  };

  it('makes "a coffee cup on a wooden table" and "on a wooden table, a cup of coffee" the same vector', () => {
    const { cos, sameBucket } = similarity('a coffee cup on a wooden table', 'on a wooden table, a cup of coffee');
    expect(cos).to.be.closeTo(1, 1e-9);
    expect(sameBucket).to.equal(true);
  });

  it('keeps "a tea cup on a wooden table" apart from the coffee cup: another term, another bucket, cosine 0.75', () => {
    const { cos, sameBucket } = similarity('a coffee cup on a wooden table', 'a tea cup on a wooden table');
    expect(cos).to.be.closeTo(0.75, 1e-9);
    expect(sameBucket).to.equal(false);
  });

  it('reads lemmas: plurals and tenses are the same term', () => {
    expect([...lexicalTerms('The children were playing in the parks').keys()]).to.have.members(['child', 'play', 'park']);
    expect(similarity('A child plays in the park.', 'Children played in parks!').cos).to.be.closeTo(1, 1e-9);
  });

  it('keeps negations and numbers, which change what is asked for', () => {
    expect(similarity('a cup with coffee', 'a cup with no coffee').sameBucket).to.equal(false);
    expect(similarity("the cat isn't sleeping", 'the cat is not sleeping').cos).to.be.closeTo(1, 1e-9);
    expect(similarity('three cups and 4 plates', 'three cups and 5 plates').sameBucket).to.equal(false);
  });

  it('is L2-normalised and counts repeated terms', () => {
    const { vector } = lexicalVector('coffee coffee cup');
    if (vector.kind !== 'sparse') throw new Error('lexical vectors are sparse');
    expect(vector.terms.coffee).to.be.closeTo(2 / Math.sqrt(5), 1e-9);
    expect(vector.terms.cup).to.be.closeTo(1 / Math.sqrt(5), 1e-9);
    expect(cosine(vector, vector)).to.be.closeTo(1, 1e-9);
  });

  it('reads Chinese by character, without particles, so a reordering matches and another word does not', () => {
    expect(similarity('桌子上有一杯咖啡', '一杯咖啡放在桌子上').cos).to.be.closeTo(1, 1e-9);
    expect(similarity('木桌上放着一个咖啡杯', '木桌上放着一个茶杯').sameBucket).to.equal(false);
  });
});
