import { expect } from 'chai';
import fc from 'fast-check';
import { seededRandom, seedOf } from '../../src/core/random.ts';

describe('seeded random', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
      const [a, b, c] = [seededRandom(seed), seededRandom(seed), seededRandom(seed + 1)];
      const draw = (r: () => number) => Array.from({ length: 8 }, r);
      const first = draw(a);
      expect(draw(b)).to.deep.equal(first);
      expect(draw(c)).to.not.deep.equal(first);
      for (const x of first) expect(x).to.be.at.least(0).and.below(1);
    }));
  });

  it('keeps the numbers it has always drawn, so seeded pictures and music do not change', () => {
    expect(seededRandom(1)()).to.equal(0.6270739405881613);
    expect(seedOf('')).to.equal(2166136261);
    expect(seedOf('a')).to.equal(0xe40c292c); // FNV-1a's published value for "a"
  });
});
