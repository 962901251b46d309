import { expect } from 'chai';
import { coverScene } from '../../src/pipeline/cover-scene.ts';

const scene = (index: number, source?: string) => ({ index, ...(source ? { visual: { source } } : {}) });

describe('which scene the cover shows', () => {
  it('takes the first scene with a found photo or clip, whatever comes before it', () => {
    const scenes = [scene(0, 'typography'), scene(1, 'illustration'), scene(2, 'local-library'), scene(3, 'pexels')];
    expect(coverScene(scenes)?.index).to.equal(2);
  });

  it('counts an editor\'s upload as a picture of the subject', () => {
    expect(coverScene([scene(0, 'illustration'), scene(1, 'upload')])?.index).to.equal(1);
  });

  it('takes the first illustration when nothing was found, and the first scene when the rest is type or backgrounds', () => {
    expect(coverScene([scene(0, 'typography'), scene(1, 'generated'), scene(2, 'illustration'), scene(3, 'illustration')])?.index).to.equal(2);
    expect(coverScene([scene(0, 'typography'), scene(1, 'generated')])?.index).to.equal(0);
    expect(coverScene([scene(0), scene(1)])?.index).to.equal(0);
  });

  it('goes by scene number, not by the order the scenes arrive in', () => {
    expect(coverScene([scene(3, 'pexels'), scene(1, 'pixabay'), scene(0, 'typography')])?.index).to.equal(1);
  });

  it('has none for no scenes', () => {
    expect(coverScene([])).to.equal(undefined);
  });
});
