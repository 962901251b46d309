import type { NeutralImage, ProductMetadata } from '../types.ts';
import { guessCategory, type PageMetadata } from './page-metadata.ts';
import type { PaletteColour } from './palette.ts';

/**
 * The product's metadata, from what the marketer said (the name, perhaps a
 * category), what the saved page says, and what the neutral image shows
 * (palette, aspect). The marketer's word wins over the page's, and the page's
 * over a guess.
 */

export interface MetadataSources {
  name: string;
  category?: string;
  page?: PageMetadata;
  neutral: Pick<NeutralImage, 'width' | 'height'>;
  palette: readonly PaletteColour[];
}

/** Aspect ratios are kept to this many decimals: enough for layout, stable in JSON. */
const ASPECT_DECIMALS = 4;

export function productMetadata(src: MetadataSources): ProductMetadata {
  const page = src.page ?? {};
  const factor = 10 ** ASPECT_DECIMALS;
  return {
    name: src.name,
    category: src.category?.trim() || page.category || guessCategory(src.name, page.title, page.description),
    palette: src.palette.map((c) => c.hex),
    aspect: Math.round((src.neutral.width / src.neutral.height) * factor) / factor,
    ...(page.title ? { title: page.title } : {}),
    ...(page.brand ? { brand: page.brand } : {}),
    ...(page.price ? { price: page.price } : {}),
    ...(page.description ? { description: page.description } : {}),
    ...(page.url ? { url: page.url } : {}),
    ...(page.image ? { image: page.image } : {}),
  };
}
