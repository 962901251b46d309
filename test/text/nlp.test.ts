import { expect } from 'chai';
import { readEnglish } from '../../src/pipeline/text/nlp.ts';

/**
 * The English reader stays whole when its module is loaded a second time in
 * the same process (as tsx can, once as ES module and once as CommonJS): a
 * second wink instance made on the same model after the first has read
 * unknown words would find no noun chunk at all.
 */

const SENTENCE = 'Sales of electric cars rose sharply last year.';
const chunksOf = (read: typeof readEnglish) => read(SENTENCE).chunks;

describe('the English reader (wink-nlp)', () => {
  it('finds the same noun chunks through a second copy of its module, after words the model did not know', async () => {
    const first = chunksOf(readEnglish);
    expect(first).to.deep.include([2, 3]);
    // Words no English lexicon holds, so the model's shared lexicon grows.
    readEnglish('Zorblat quexified the flimbering vantaloons beside glarvish pondrites.');
    const copy = (await import(`../../src/pipeline/text/nlp.ts?copy=${Date.now()}`)) as { readEnglish: typeof readEnglish };
    expect(copy.readEnglish).not.to.equal(readEnglish);
    expect(chunksOf(copy.readEnglish)).to.deep.equal(first);
    expect(chunksOf(readEnglish)).to.deep.equal(first);
  });
});
