/**
 * The one wink-nlp instance for English. Loading the model takes ~100 ms and
 * some memory, so it happens on first use and is shared (the model's module
 * too: a render whose text steps come from the cache never loads it, about
 * 0.2 s of a start); custom entities (noun chunks) are learned once, before
 * any document is read.
 *
 * One instance per process, kept on `globalThis`, even when this module is
 * loaded twice (under tsx a process can hold it as ES module and as CommonJS):
 * wink instances made from one model object share its lexicon, and one made
 * after another has read words the model did not know recognises no custom
 * entity at all, so every key phrase would lose its adjective.
 */

import { createRequire } from 'node:module';
import winkNLP, { type ItsFunction, type WinkMethods } from 'wink-nlp';
import type Model from 'wink-eng-lite-web-model';

/** Custom entity type of the noun chunks used for key phrases. */
export const NOUN_CHUNK = 'nounChunk';

/** An optional adjective, then one to four nouns or proper nouns ("electric car market", "Northern Europe"). */
const NOUN_CHUNK_PATTERNS = ['[|ADJ] [NOUN|PROPN] [|NOUN|PROPN] [|NOUN|PROPN] [|NOUN|PROPN]'];

const INSTANCE = Symbol.for('slotflow.englishNlp');
const shared = globalThis as { [INSTANCE]?: WinkMethods };

export function englishNlp(): WinkMethods {
  let instance = shared[INSTANCE];
  if (!instance) {
    const model = createRequire(import.meta.url)('wink-eng-lite-web-model') as typeof Model;
    instance = winkNLP(model);
    instance.learnCustomEntities([{ name: NOUN_CHUNK, patterns: NOUN_CHUNK_PATTERNS }]);
    shared[INSTANCE] = instance;
  }
  return instance;
}

export interface EnglishToken {
  /** As written. */
  value: string;
  lemma: string;
  pos: string;
  /** wink's token type: 'word', 'number', 'punctuation', 'url', … */
  type: string;
  stopWord: boolean;
  /** The first word of its sentence (a capital there says nothing). */
  sentenceStart: boolean;
}

export interface EnglishDoc {
  sentences: string[];
  tokens: EnglishToken[];
  /** Noun chunks as inclusive [first, last] token indexes. */
  chunks: [number, number][];
  /** wink-nlp's sentiment, -1 (negative) .. 1 (positive). */
  sentiment: number;
}

/**
 * Reads an English text into plain arrays. wink's own typings lose the
 * element types of its `out()` results; the casts are confined here.
 */
export function readEnglish(text: string): EnglishDoc {
  const nlp = englishNlp();
  const its = nlp.its;
  const doc = nlp.readDoc(text);
  const tokens = doc.tokens();
  const values = tokens.out(its.value) as string[];
  const lemmas = tokens.out(its.lemma as ItsFunction<string>) as string[];
  const pos = tokens.out(its.pos) as string[];
  const types = tokens.out(its.type) as string[];
  const stop = tokens.out(its.stopWordFlag) as boolean[];

  const starts = new Set<number>();
  for (const [first, last] of doc.sentences().out(its.span) as unknown as [number, number][]) {
    for (let i = first; i <= last; i++) {
      if (types[i] === 'word') {
        starts.add(i);
        break;
      }
    }
  }
  const spans = doc.customEntities().out(its.span) as unknown as [number, number][];
  const details = doc.customEntities().out(its.detail) as unknown as { type: string }[];
  return {
    sentences: doc.sentences().out(its.value) as string[],
    tokens: values.map((value, i) => ({
      value,
      lemma: lemmas[i] ?? value.toLowerCase(),
      pos: pos[i] ?? 'X',
      type: types[i] ?? 'word',
      stopWord: stop[i] ?? false,
      sentenceStart: starts.has(i),
    })),
    chunks: spans.filter((_s, i) => details[i]?.type === NOUN_CHUNK),
    sentiment: Number(doc.out(its.sentiment)),
  };
}
