import sharp from 'sharp';

/**
 * Product photos for tests, drawn here: a product (a rounded bottle with a cap and a label) on a plain white
 * background, as a seller would photograph it; any size and format sharp writes.
 */
export async function productPhoto(width = 800, height = 800, format: 'png' | 'jpeg' | 'webp' | 'gif' = 'png', hue = '#2f6fdf'): Promise<Buffer> {
  const w = Math.round(width * 0.3);
  const h = Math.round(height * 0.6);
  const x = Math.round((width - w) / 2);
  const y = Math.round(height * 0.25);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#ffffff"/>
    <rect x="${x + w * 0.3}" y="${y - h * 0.12}" width="${w * 0.4}" height="${h * 0.14}" rx="6" fill="#333333"/>
    <rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${w * 0.2}" fill="${hue}"/>
    <rect x="${x + w * 0.1}" y="${y + h * 0.35}" width="${w * 0.8}" height="${h * 0.3}" fill="#f4e9c8"/>
  </svg>`;
  return sharp(Buffer.from(svg)).toFormat(format).toBuffer();
}
