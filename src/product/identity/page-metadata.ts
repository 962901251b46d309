import { parse } from 'node-html-parser';

/**
 * What a saved product page says about its product: the Open Graph tags
 * (`og:title`, `og:description`, `og:image`, `og:url`,
 * `product:price:amount` / `product:price:currency`) and the schema.org
 * `Product` in JSON-LD (`<script type="application/ld+json">`, found at the
 * top level, in lists and in `@graph` arrays, at any depth). Where both say
 * something, JSON-LD wins: it is the structured statement, og tags are
 * written for link previews. A JSON-LD block that does not parse is skipped.
 */

export interface PageMetadata {
  title?: string;
  description?: string;
  image?: string;
  url?: string;
  brand?: string;
  price?: { amount: string; currency?: string };
  /** Only what the page states (JSON-LD `category`); guessing is `guessCategory`'s. */
  category?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export function pageMetadata(html: string): PageMetadata {
  const root = parse(html);
  const og = new Map<string, string>();
  for (const meta of root.querySelectorAll('meta')) {
    const key = (meta.getAttribute('property') ?? meta.getAttribute('name'))?.trim().toLowerCase();
    const content = meta.getAttribute('content')?.trim();
    if (key && content && !og.has(key)) og.set(key, content);
  }
  const products: JsonObject[] = [];
  for (const script of root.querySelectorAll('script')) {
    if ((script.getAttribute('type') ?? '').trim().toLowerCase() !== 'application/ld+json') continue;
    let doc: Json;
    try {
      doc = JSON.parse(script.rawText) as Json;
    } catch {
      continue;
    }
    collectProducts(doc, products);
  }
  const product = products[0];
  const fromLd = product ? productFields(product) : {};
  const ogPrice = og.get('product:price:amount') ?? og.get('og:price:amount');
  const ogCurrency = og.get('product:price:currency') ?? og.get('og:price:currency');
  const fromOg: PageMetadata = {
    ...optional('title', og.get('og:title') ?? (root.querySelector('title')?.text.trim() || undefined)),
    ...optional('description', og.get('og:description') ?? og.get('description')),
    ...optional('image', og.get('og:image')),
    ...optional('url', og.get('og:url')),
    ...(ogPrice ? { price: { amount: ogPrice, ...optional('currency', ogCurrency) } } : {}),
  };
  return { ...fromOg, ...fromLd };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

function isProduct(node: JsonObject): boolean {
  const type = node['@type'];
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => typeof t === 'string' && /(^|[/:])Product$/.test(t));
}

/** Every Product node, in document order: lists, `@graph` and nested objects are searched alike. */
function collectProducts(node: Json, found: JsonObject[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectProducts(item, found);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  if (isProduct(node)) found.push(node);
  for (const [key, value] of Object.entries(node)) {
    // A product's own offers and reviews hold no other product worth taking.
    if (isProduct(node) && key !== '@graph') continue;
    collectProducts(value, found);
  }
}

function text(value: Json | undefined): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return text(value[0]);
  if (value && typeof value === 'object') return text(value.name ?? value['@value'] ?? value.url ?? value['@id']);
  return undefined;
}

function productFields(product: JsonObject): PageMetadata {
  const offers = product.offers;
  const offer = (Array.isArray(offers) ? offers : [offers]).find((o): o is JsonObject => !!o && typeof o === 'object' && !Array.isArray(o));
  const amount = offer ? text(offer.price ?? offer.lowPrice ?? (offer.priceSpecification as JsonObject | undefined)?.price) : undefined;
  const currency = offer ? text(offer.priceCurrency ?? (offer.priceSpecification as JsonObject | undefined)?.priceCurrency) : undefined;
  return {
    ...optional('title', text(product.name)),
    ...optional('description', text(product.description)),
    ...optional('image', text(product.image)),
    ...optional('url', text(product.url)),
    ...optional('brand', text(product.brand)),
    ...optional('category', text(product.category)),
    ...(amount ? { price: { amount, ...optional('currency', currency) } } : {}),
  };
}

/**
 * A category from the product's own words when the page states none: the
 * first row of the table with a keyword among them wins, so put the narrow
 * rows first (a "face serum" is skincare before it is beauty).
 */
export const CATEGORY_KEYWORDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['drinkware', ['mug', 'cup', 'tumbler', 'bottle', 'flask', 'thermos', 'glass', 'glasses', 'teacup', 'carafe']],
  ['skincare', ['serum', 'moisturizer', 'moisturiser', 'cleanser', 'sunscreen', 'spf', 'lotion', 'toner', 'skincare', 'cream']],
  ['footwear', ['shoe', 'shoes', 'sneaker', 'sneakers', 'boot', 'boots', 'sandal', 'sandals', 'trainer', 'trainers', 'slipper']],
  ['electronics', ['headphones', 'earbuds', 'speaker', 'charger', 'phone', 'laptop', 'camera', 'bluetooth', 'usb', 'wireless', 'battery', 'smartwatch']],
  ['apparel', ['shirt', 't-shirt', 'tee', 'hoodie', 'jacket', 'dress', 'jeans', 'sweater', 'coat', 'socks', 'hat', 'cap']],
  ['beauty', ['lipstick', 'mascara', 'perfume', 'fragrance', 'makeup', 'eyeliner', 'blush', 'nail', 'shampoo']],
  ['food', ['coffee', 'tea', 'chocolate', 'snack', 'granola', 'sauce', 'honey', 'cookies', 'organic', 'flavor', 'flavour']],
  ['home', ['candle', 'lamp', 'pillow', 'blanket', 'vase', 'chair', 'table', 'rug', 'towel', 'planter', 'decor']],
];
export const DEFAULT_CATEGORY = 'general';

/** The category the words suggest; the product's name counts before its description. */
export function guessCategory(...texts: Array<string | undefined>): string {
  for (const t of texts) {
    if (!t) continue;
    const words = new Set(t.toLowerCase().match(/[a-z][a-z-]*/g) ?? []);
    for (const [category, keywords] of CATEGORY_KEYWORDS) if (keywords.some((k) => words.has(k))) return category;
  }
  return DEFAULT_CATEGORY;
}
