/** How a scene script's sentences are cut into the speech runs spoken at once (`batchRuns`). */
import { expect } from 'chai';
import fc from 'fast-check';
import { batchRuns } from '../../src/pipeline/handlers/speech-synthesize.ts';

describe('speech batch runs', () => {
  it('cuts sentences into consecutive runs of about as many characters', () => {
    const texts = ['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10), 'd'.repeat(10)];
    expect(batchRuns(texts, 2)).to.deep.equal([{ start: 0, end: 2 }, { start: 2, end: 4 }]);
    expect(batchRuns(['x'.repeat(50), 'y', 'z'], 2)).to.deep.equal([{ start: 0, end: 1 }, { start: 1, end: 3 }]);
    expect(batchRuns(['only one'], 2)).to.deep.equal([{ start: 0, end: 1 }]);
    expect(batchRuns(texts, 1)).to.deep.equal([{ start: 0, end: 4 }]);
  });

  it('covers every sentence once, in order, with no empty run and no more runs than asked', () => {
    fc.assert(fc.property(fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 4 }), (texts, count) => {
      const runs = batchRuns(texts, count);
      expect(runs.length).to.be.within(1, Math.min(count, texts.length));
      expect(runs[0]!.start).to.equal(0);
      expect(runs.at(-1)!.end).to.equal(texts.length);
      for (const [i, run] of runs.entries()) {
        expect(run.end).to.be.above(run.start);
        if (i > 0) expect(run.start).to.equal(runs[i - 1]!.end);
      }
    }));
  });
});
