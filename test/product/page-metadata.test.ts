import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { guessCategory, pageMetadata } from '../../src/product/identity/page-metadata.ts';

/** What a saved product page says: Open Graph tags, schema.org Product JSON-LD, and which wins. */

const og = (tags: Record<string, string>) =>
  Object.entries(tags).map(([k, v]) => `<meta property="${k}" content="${v}">`).join('\n');
const ld = (doc: unknown) => `<script type="application/ld+json">${JSON.stringify(doc)}</script>`;
const page = (...head: string[]) => `<!doctype html><html><head><title>Shop page</title>${head.join('\n')}</head><body><h1>x</h1></body></html>`;

const OG_TAGS = {
  'og:title': 'Trail Runner 2 – Northpeak',
  'og:description': 'Light trail shoes with a grippy sole.',
  'og:image': 'https://example.test/img/trail.jpg',
  'og:url': 'https://example.test/p/trail-runner-2',
  'product:price:amount': '89.00',
  'product:price:currency': 'EUR',
};

describe('product page metadata', () => {
  it('reads the Open Graph tags of a page without JSON-LD', () => {
    expect(pageMetadata(page(og(OG_TAGS)))).to.deep.equal({
      title: 'Trail Runner 2 – Northpeak',
      description: 'Light trail shoes with a grippy sole.',
      image: 'https://example.test/img/trail.jpg',
      url: 'https://example.test/p/trail-runner-2',
      price: { amount: '89.00', currency: 'EUR' },
    });
  });

  it('falls back to the <title> when there is no og:title', () => {
    expect(pageMetadata(page()).title).to.equal('Shop page');
  });

  it('reads a schema.org Product in JSON-LD: name, brand as a string, description, offers, category', () => {
    const meta = pageMetadata(page(ld({
      '@context': 'https://schema.org', '@type': 'Product', name: 'Glow Serum', brand: 'Lumen',
      description: 'A vitamin C face serum.', category: 'Skin care',
      offers: { '@type': 'Offer', price: 24.5, priceCurrency: 'GBP' },
    })));
    expect(meta).to.deep.equal({
      title: 'Glow Serum', brand: 'Lumen', description: 'A vitamin C face serum.', category: 'Skin care',
      price: { amount: '24.5', currency: 'GBP' },
    });
  });

  it('lets JSON-LD win over og tags where both speak, and keeps og for the rest', () => {
    const meta = pageMetadata(page(og(OG_TAGS), ld({
      '@type': 'Product', name: 'Trail Runner 2', brand: { '@type': 'Brand', name: 'Northpeak' },
      offers: { price: '79.00', priceCurrency: 'EUR' },
    })));
    expect(meta.title).to.equal('Trail Runner 2');
    expect(meta.brand).to.equal('Northpeak');
    expect(meta.price).to.deep.equal({ amount: '79.00', currency: 'EUR' });
    expect(meta.description).to.equal('Light trail shoes with a grippy sole.');
    expect(meta.url).to.equal('https://example.test/p/trail-runner-2');
  });

  it('finds the Product inside an @graph array, past other nodes, and takes the first offer of a list', () => {
    const meta = pageMetadata(page(ld({
      '@context': 'https://schema.org',
      '@graph': [
        { '@type': 'WebSite', name: 'Northpeak shop' },
        { '@type': 'BreadcrumbList', itemListElement: [] },
        { '@type': ['Product', 'Thing'], name: 'Summit Jacket', brand: { name: 'Northpeak' },
          offers: [{ '@type': 'Offer', price: '199.00', priceCurrency: 'USD' }, { '@type': 'Offer', price: '179.00', priceCurrency: 'USD' }] },
      ],
    })));
    expect(meta).to.include({ title: 'Summit Jacket', brand: 'Northpeak' });
    expect(meta.price).to.deep.equal({ amount: '199.00', currency: 'USD' });
  });

  it('finds a Product in a top-level list of JSON-LD documents', () => {
    const meta = pageMetadata(page(ld([{ '@type': 'Organization', name: 'Acme' }, { '@type': 'Product', name: 'Desk Lamp' }])));
    expect(meta.title).to.equal('Desk Lamp');
  });

  it('skips a malformed JSON-LD block without failing and still reads the next one and the og tags', () => {
    const broken = '<script type="application/ld+json">{ "@type": "Product", "name": "Broken", </script>';
    const meta = pageMetadata(page(og(OG_TAGS), broken, ld({ '@type': 'Product', name: 'Trail Runner 2 GTX' })));
    expect(meta.title).to.equal('Trail Runner 2 GTX');
    expect(meta.price).to.deep.equal({ amount: '89.00', currency: 'EUR' });
    expect(pageMetadata(page(broken))).to.deep.equal({ title: 'Shop page' });
  });

  it('reads the sample page in examples/product', async () => {
    const meta = pageMetadata(await readFile('examples/product/page.html', 'utf8'));
    expect(meta).to.include({ title: 'Harbor Ceramic Travel Mug', brand: 'Tidewell', url: 'https://shop.tidewell.example/products/harbor-travel-mug' });
    expect(meta.price).to.deep.equal({ amount: '34.00', currency: 'USD' });
    expect(meta.description).to.match(/^A 12 oz double-walled ceramic travel mug/);
  });

  it('guesses a category from the name before the description, else general', () => {
    expect(guessCategory('Harbor Ceramic Travel Mug', 'Keeps coffee hot')).to.equal('drinkware');
    expect(guessCategory('Glow', 'A vitamin C face serum')).to.equal('skincare');
    expect(guessCategory('Trail Runner 2', 'Light trail shoes')).to.equal('footwear');
    expect(guessCategory('Thing', 'Nothing to go by')).to.equal('general');
  });
});
