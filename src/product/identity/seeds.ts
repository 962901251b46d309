import type { ProductMetadata, StoryboardSeed } from '../types.ts';

/**
 * Storyboard seeds: the concepts an output's scenes start from. Four always
 * (hero shot, detail close-up, feature callout, lifestyle split), then a
 * price/offer concept when the price is known and a brand concept when the
 * brand is, so four to six. Made from the metadata alone, deterministically:
 * the same metadata gives the same seeds, word for word.
 */

/** A headline is cut, at a word, to this many characters. */
export const HEADLINE_MAX = 48;
export const MIN_SEEDS = 4;
export const MAX_SEEDS = 6;

const STOPWORDS = new Set(('a an and are as at be by for from has have in into is it its keeps of on or our that the this to with ' +
  'you your every all any can will just more most very than so up out new one two three four five hours hour').split(' '));

/** Where each category's product is seen in use, and the backdrop of its studio shots. */
const SETTINGS: Readonly<Record<string, { lifestyle: string; use: string; studio: string }>> = {
  drinkware: { lifestyle: 'a sunlit kitchen counter with a morning commute bag beside it', use: 'your commute', studio: 'warm stone surface' },
  skincare: { lifestyle: 'a bright bathroom shelf with folded white towels', use: 'your daily routine', studio: 'soft pastel surface' },
  footwear: { lifestyle: 'a city pavement in early evening light', use: 'every step', studio: 'concrete floor' },
  electronics: { lifestyle: 'a tidy desk with a laptop and a plant', use: 'your workday', studio: 'dark matte surface' },
  apparel: { lifestyle: 'a relaxed street scene with soft daylight', use: 'every day', studio: 'light fabric backdrop' },
  home: { lifestyle: 'a calm living room with natural light', use: 'your home', studio: 'light wooden surface' },
  food: { lifestyle: 'a breakfast table with fresh ingredients', use: 'your table', studio: 'rustic wooden board' },
  beauty: { lifestyle: 'a vanity table with a round mirror', use: 'your look', studio: 'glossy pastel surface' },
  general: { lifestyle: 'a bright everyday interior', use: 'every day', studio: 'neutral studio surface' },
};

const CURRENCY_SIGNS: Readonly<Record<string, string>> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CNY: '¥', INR: '₹', KRW: '₩' };

function settingOf(category: string) {
  return SETTINGS[category] ?? SETTINGS.general!;
}

/** Cut at a word boundary to HEADLINE_MAX characters. */
export function headline(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= HEADLINE_MAX) return clean;
  const cut = clean.slice(0, HEADLINE_MAX - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > HEADLINE_MAX / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:–-]+$/, '')}…`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function formatPrice(price: NonNullable<ProductMetadata['price']>): string {
  const currency = price.currency?.toUpperCase();
  const sign = currency ? CURRENCY_SIGNS[currency] : undefined;
  if (sign) return `${sign}${price.amount}`;
  return currency ? `${price.amount} ${currency}` : price.amount;
}

/** The description's words that say most about the product: frequent, not stopwords, not the name's own, first seen first. */
export function keywords(meta: ProductMetadata, count = 3): string[] {
  const own = new Set(`${meta.name} ${meta.brand ?? ''}`.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  const words = (meta.description ?? '').toLowerCase().match(/[a-z][a-z-]+/g) ?? [];
  const tally = new Map<string, { n: number; first: number }>();
  words.forEach((w, i) => {
    if (STOPWORDS.has(w) || own.has(w) || w.length < 3) return;
    const t = tally.get(w) ?? { n: 0, first: i };
    t.n++;
    tally.set(w, t);
  });
  return [...tally.entries()].sort((a, b) => b[1].n - a[1].n || a[1].first - b[1].first).slice(0, count).map(([w]) => w);
}

/** The description's first short claim: a clause of two to seven words. */
export function leadClaim(description: string | undefined): string | undefined {
  if (!description) return undefined;
  for (const clause of description.split(/[.!?;,]\s+|[.!?]$/)) {
    const words = clause.trim().split(/\s+/).filter(Boolean);
    if (words.length >= 2 && words.length <= 7) return capitalise(words.join(' '));
  }
  return undefined;
}

function colours(meta: ProductMetadata): string {
  return meta.palette.length > 0 ? `its colours ${meta.palette.slice(0, 3).join(', ')}` : 'its own colours';
}

export function storyboardSeeds(meta: ProductMetadata): StoryboardSeed[] {
  const setting = settingOf(meta.category);
  const product = meta.brand && !meta.name.toLowerCase().includes(meta.brand.toLowerCase()) ? `${meta.brand} ${meta.name}` : meta.name;
  const words = keywords(meta);
  const detail = words[0] ?? 'detail';
  const claim = leadClaim(meta.description) ?? (words.length > 0 ? capitalise(words.join(', ')) : `Made for ${setting.use}`);
  const keep = `the ${product} exactly as in the reference photos, same shape, label and ${colours(meta)}`;
  const seeds: StoryboardSeed[] = [
    {
      concept: 'hero shot',
      prompt: `Studio hero photograph of ${keep}, centred, on a ${setting.studio}, soft key light from the left, gentle contact shadow, photorealistic.`,
      layout: 'hero',
      headline: headline(`Meet the ${meta.name}`),
      background: `${setting.studio}, soft gradient light`,
    },
    {
      concept: 'detail close-up',
      prompt: `Macro close-up of ${keep}, filling the frame, showing the ${detail} and the finish, shallow depth of field.`,
      layout: 'close-up',
      headline: headline(`${capitalise(detail)}, up close`),
      background: `blurred ${setting.studio}, shallow depth of field`,
    },
    {
      concept: 'feature callout',
      prompt: `Clean product shot of ${keep} on one side of the frame, open space on the other for a callout: "${claim}".`,
      layout: 'callout',
      headline: headline(claim),
      background: 'plain light studio backdrop with open space for text',
    },
    {
      concept: 'lifestyle split',
      prompt: `Lifestyle photograph of ${keep} in ${setting.lifestyle}, natural light, the product in sharp focus.`,
      layout: 'split',
      headline: headline(`Made for ${setting.use}`),
      background: setting.lifestyle,
    },
  ];
  if (meta.price) {
    const price = formatPrice(meta.price);
    seeds.push({
      concept: 'price offer',
      prompt: `Bold product shot of ${keep}, centred, bright clean backdrop, room for a price tag reading ${price}.`,
      layout: 'hero',
      headline: headline(`${meta.name}, ${price}`),
      background: 'bright clean backdrop in the product\'s main colour',
    });
  }
  if (meta.brand) {
    seeds.push({
      concept: 'brand sign-off',
      prompt: `Minimal brand shot of ${keep}, small in frame, generous negative space, the ${meta.brand} name in mind.`,
      layout: 'callout',
      headline: headline(`${meta.brand}: ${meta.title && meta.title !== meta.name ? meta.title : meta.name}`),
      background: `${setting.studio}, minimal, generous negative space`,
    });
  }
  return seeds.slice(0, MAX_SEEDS);
}
