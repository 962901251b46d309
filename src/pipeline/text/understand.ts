/**
 * What an article is about, for scenes and material search: its sentences,
 * a handful of key phrases, and its tone. English uses wink-nlp (noun
 * chunks, nouns, sentiment); Chinese uses character n-gram frequencies and
 * a small sentiment lexicon, because wink has no Chinese model.
 * Deterministic: ties are broken by first occurrence.
 */

import type { Article } from './article.ts';
import type { ArticleLanguage } from './language.ts';
import { type EnglishToken, readEnglish } from './nlp.ts';
import { splitSentences } from './sentences.ts';

export type Tone = 'positive' | 'negative' | 'neutral';

export interface Understanding {
  sentences: string[];
  /** Most telling first; at most `MAX_KEY_PHRASES`. */
  keyPhrases: string[];
  tone: Tone;
  language: ArticleLanguage;
}

export const MAX_KEY_PHRASES = 8;
/** wink-nlp's document sentiment (-1..1) beyond which the tone is not neutral. */
export const ENGLISH_TONE_THRESHOLD = 0.1;
/** Net share of positive over negative lexicon hits beyond which a Chinese text's tone is not neutral. */
export const CHINESE_TONE_THRESHOLD = 0.2;
/** A phrase in the title counts as this many extra occurrences. */
const TITLE_BONUS = 2;

export function understand(article: Pick<Article, 'body' | 'language'> & { title?: string }): Understanding {
  const sentences = splitSentences(article.body, article.language);
  const title = article.title ?? '';
  if (article.language === 'zh') {
    return { sentences, keyPhrases: chineseKeyPhrases(title, article.body), tone: chineseTone(article.body), language: 'zh' };
  }
  const { keyPhrases, tone } = englishAnalysis(title, article.body);
  return { sentences, keyPhrases, tone, language: 'en' };
}

interface Candidate {
  key: string;
  /** Lemmas of the phrase, to tell whether one phrase contains another. */
  lemmas: string[];
  forms: Map<string, number>;
  count: number;
  first: number;
}

function englishAnalysis(title: string, body: string): { keyPhrases: string[]; tone: Tone } {
  const doc = readEnglish(body);
  const tone: Tone = doc.sentiment >= ENGLISH_TONE_THRESHOLD ? 'positive' : doc.sentiment <= -ENGLISH_TONE_THRESHOLD ? 'negative' : 'neutral';
  const tokens = doc.tokens;

  // A capital that only comes from starting a sentence is not a name.
  const capitalizedInside = new Set(tokens.filter((t) => !t.sentenceStart && /^\p{Lu}/u.test(t.value)).map((t) => t.value));
  const display = (t: EnglishToken): string => {
    if (/^\p{Lu}[\p{Lu}\d.]+$/u.test(t.value)) return t.value; // NASA, U.S.
    if (!/^\p{Lu}/u.test(t.value)) return t.value;
    // At a sentence start, keep the capital of an abbreviation ("Dr.") or of
    // the first word of a multi-word name ("Northern Europe").
    if (t.sentenceStart) return capitalizedInside.has(t.value) || t.value.endsWith('.') || nextCapitalized(t) ? t.value : t.value.toLowerCase();
    return t.pos === 'PROPN' || capitalizedInside.has(t.value) ? t.value : t.value.toLowerCase();
  };
  const nextCapitalized = (t: EnglishToken) => /^\p{Lu}/u.test(tokens[tokens.indexOf(t) + 1]?.value ?? '');
  const usable = (t: EnglishToken) => t.type === 'word' && !t.stopWord && /\p{L}{2}/u.test(t.value);

  const candidates = new Map<string, Candidate>();
  let order = 0;
  const add = (phrase: readonly EnglishToken[]) => {
    const lemmas = phrase.map((t) => t.lemma.toLowerCase());
    const key = lemmas.join(' ');
    const form = phrase.map(display).join(' ');
    const c = candidates.get(key) ?? { key, lemmas, forms: new Map(), count: 0, first: order++ };
    c.count += 1;
    c.forms.set(form, (c.forms.get(form) ?? 0) + 1);
    candidates.set(key, c);
  };

  for (const [first, last] of doc.chunks) {
    const phrase = tokens.slice(first, last + 1);
    // Trim what a chunk picked up around its nouns: stop words, numbers, symbols.
    while (phrase.length > 0 && !usable(phrase[0]!)) phrase.shift();
    while (phrase.length > 0 && !usable(phrase.at(-1)!)) phrase.pop();
    if (phrase.length > 1 && phrase.every(usable)) add(phrase);
  }
  for (const t of tokens) {
    if ((t.pos === 'NOUN' || t.pos === 'PROPN') && usable(t) && t.value.length >= 3) add([t]);
  }

  const titleText = title.toLowerCase();
  const titleLemmas = new Set(title ? readEnglish(title).tokens.map((t) => t.lemma.toLowerCase()) : []);
  const scored = [...candidates.values()].map((c) => {
    const inTitle = c.lemmas.every((l) => titleLemmas.has(l)) || titleText.includes(bestForm(c).toLowerCase());
    const score = (c.count + (inTitle ? TITLE_BONUS : 0)) * (1 + 0.5 * (c.lemmas.length - 1));
    return { c, score };
  });
  scored.sort((a, b) => b.score - a.score || a.c.first - b.c.first);

  const chosen: Candidate[] = [];
  for (const { c } of scored) {
    if (chosen.length >= MAX_KEY_PHRASES) break;
    // A phrase inside one already chosen adds nothing ("car" after "electric car").
    if (chosen.some((k) => containsAll(k.lemmas, c.lemmas))) continue;
    chosen.push(c);
  }
  return { keyPhrases: chosen.map(bestForm), tone };
}

function bestForm(c: Candidate): string {
  let best = '';
  let bestCount = -1;
  for (const [form, n] of c.forms) {
    if (n > bestCount) {
      best = form;
      bestCount = n;
    }
  }
  return best;
}

function containsAll(outer: readonly string[], inner: readonly string[]): boolean {
  return inner.every((l) => outer.includes(l));
}

/**
 * Function characters and words that make an n-gram a poor key phrase when
 * it starts or ends with one (的, 了, 是 …) or is one (我们, 这个 …).
 */
const ZH_EDGE_STOP = new Set([...'的了着是在和与及也就都而或被把将对从向于之其这那很更最又还并等吗呢吧啊']);
const ZH_STOP_WORDS = new Set([
  '我们', '你们', '他们', '她们', '它们', '自己', '这个', '那个', '这些', '那些', '什么', '怎么', '为什么', '没有',
  '因为', '所以', '但是', '可以', '已经', '如果', '虽然', '而且', '或者', '还是', '就是', '不是', '一个', '一些',
  '一种', '目前', '今年', '去年', '同时', '以及', '其中', '通过', '进行', '表示', '认为', '这样', '那样', '非常',
  '可能', '需要', '不会', '现在', '时候', '之后', '之前', '以后', '以前', '还有', '只是', '然后', '此外', '另外',
]);
const ZH_MIN_LENGTH = 2;
const ZH_MAX_LENGTH = 4;

/**
 * Chinese has no spaces to find words by, so candidates are 2–4 character
 * runs of Han that repeat: in the body, or once in the body and in the title
 * (a title occurrence counts `TITLE_BONUS` times). A run that occurs only
 * once is as likely to straddle two words ("术发展迅") as to be one, so it
 * is not offered. Latin terms inside Chinese text (brand names, acronyms)
 * count from their first occurrence. Fewer than `MAX_KEY_PHRASES` is fine.
 */
function chineseKeyPhrases(title: string, body: string): string[] {
  interface Gram {
    text: string;
    count: number;
    first: number;
  }
  const grams = new Map<string, Gram>();
  let order = 0;
  const count = (text: string, weight: number) => {
    const g = grams.get(text) ?? { text, count: 0, first: order++ };
    g.count += weight;
    grams.set(text, g);
  };
  const ngrams = (text: string, weight: number, only?: Map<string, Gram>) => {
    for (const run of text.match(/\p{Script=Han}+/gu) ?? []) {
      const chars = [...run];
      for (let n = ZH_MIN_LENGTH; n <= ZH_MAX_LENGTH; n++) {
        for (let i = 0; i + n <= chars.length; i++) {
          const gram = chars.slice(i, i + n).join('');
          if (ZH_EDGE_STOP.has(chars[i]!) || ZH_EDGE_STOP.has(chars[i + n - 1]!) || ZH_STOP_WORDS.has(gram)) continue;
          if (only && !only.has(gram)) continue;
          count(gram, weight);
        }
      }
    }
  };
  ngrams(body, 1);
  // Title runs only strengthen what the body also says.
  ngrams(title, TITLE_BONUS, new Map(grams));
  const latin = new Set<string>();
  for (const m of body.matchAll(/[A-Za-z][A-Za-z0-9+.-]*[A-Za-z0-9+]/g)) {
    latin.add(m[0]);
    count(m[0], 1);
  }

  const all = [...grams.values()];
  // Fragments of a longer phrase that occur (almost) only inside it are noise: "人工智" of "人工智能".
  const pool = all.filter(
    (g) => (g.count >= 2 || latin.has(g.text)) && !all.some((o) => o.text.length > g.text.length && o.text.includes(g.text) && o.count >= g.count * 0.8),
  );
  const score = (g: Gram) => g.count * (1 + 0.25 * ([...g.text].length - ZH_MIN_LENGTH));
  pool.sort((a, b) => score(b) - score(a) || a.first - b.first);

  const chosen: string[] = [];
  for (const g of pool) {
    if (chosen.length >= MAX_KEY_PHRASES) break;
    if (chosen.some((c) => c.includes(g.text) || g.text.includes(c))) continue;
    chosen.push(g.text);
  }
  return chosen;
}

const ZH_POSITIVE = [
  '成功', '增长', '喜欢', '优秀', '提高', '提升', '突破', '胜利', '快乐', '幸福', '美好', '进步', '创新', '领先',
  '上涨', '欢迎', '满意', '希望', '精彩', '高兴', '开心', '赞', '好评', '繁荣', '改善', '受益', '惊喜', '顺利',
  '丰收', '获奖', '夺冠', '盈利', '积极', '稳定', '安全', '健康', '感谢', '支持', '漂亮', '优质',
];
const ZH_NEGATIVE = [
  '失败', '下降', '损失', '危机', '事故', '死亡', '灾难', '担忧', '批评', '下跌', '亏损', '困难', '悲伤', '愤怒',
  '暴跌', '冲突', '污染', '战争', '裁员', '恐慌', '担心', '问题严重', '伤亡', '遇难', '破产', '违法', '犯罪', '诈骗',
  '倒闭', '衰退', '风险', '糟糕', '痛苦', '失望', '不满', '抗议', '爆炸', '火灾', '地震', '疫情', '恶化', '短缺',
];
const ZH_NEGATORS = /[不没未无非别]$/;

function chineseTone(body: string): Tone {
  let positive = 0;
  let negative = 0;
  const count = (words: readonly string[], onHit: (negated: boolean) => void) => {
    for (const w of words) {
      let from = 0;
      for (;;) {
        const at = body.indexOf(w, from);
        if (at < 0) break;
        onHit(ZH_NEGATORS.test(body.slice(Math.max(0, at - 2), at).replace(/[很太]$/, '')));
        from = at + w.length;
      }
    }
  };
  count(ZH_POSITIVE, (negated) => (negated ? (negative += 1) : (positive += 1)));
  count(ZH_NEGATIVE, (negated) => (negated ? (positive += 1) : (negative += 1)));
  const hits = positive + negative;
  if (hits === 0) return 'neutral';
  const net = (positive - negative) / hits;
  if (net >= CHINESE_TONE_THRESHOLD && positive - negative >= 1) return 'positive';
  if (net <= -CHINESE_TONE_THRESHOLD && negative - positive >= 1) return 'negative';
  return 'neutral';
}
