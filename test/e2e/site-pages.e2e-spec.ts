import { BlueprintCatalog } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { jsonLd, pagePaths } from '../support/pages';
import { createTestApp } from '../support/test-app';
import { createTestTenant } from '../support/tenants';

const DEMOS = [
  {
    slug: 'lakeshore',
    host: 'lakeshore.localhost',
    name: 'Lakeshore Medical Center',
    other: 'Meridian',
    primary: '#0b4f6c',
    specialty: 'oncology',
    physician: 'amara-okafor',
    price: { en: '$950', decimal: '950.00' },
  },
  {
    slug: 'meridian',
    host: 'meridian.localhost',
    name: 'Meridian University Health',
    other: 'Lakeshore',
    primary: '#7a1f3d',
    specialty: 'rare-diseases',
    physician: 'hannah-cho',
    price: { en: '$1,500', decimal: '1500.00' },
  },
];

describe('the hospital sites', () => {
  let app: NestFastifyApplication;
  const get = (host: string, url: string) => request(app.getHttpServer()).get(url).set('Host', host);

  beforeAll(async () => {
    app = await createTestApp();
    const report = await app.get(BlueprintCatalog).apply(['lakeshore', 'meridian']);
    expect(report.problems).toEqual([]);
  });

  afterAll(() => app.close());

  describe.each(DEMOS)('$name', (demo) => {
    const pages = pagePaths(demo.specialty, demo.physician);

    it.each(
      pages.flatMap((p) => [
        ['en', p],
        ['es', `${p}?lang=es`],
      ]),
    )('renders %s %s as its own hospital, in its own colours, in that language', async (lang, url) => {
      const page = await get(demo.host, url).expect(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.text).toContain(`<html lang="${lang}">`);
      expect(page.text).toContain(`<p class="site-footer__name">${demo.name}</p>`);
      expect(page.text).toMatch(new RegExp(`<title>[^<]*${demo.name}</title>`));
      expect(page.text).not.toContain(demo.other);
      const themeUrl = /href="(\/theme\.css[^"]*)"/.exec(page.text)![1].replace(/&#x3D;/g, '=');
      const theme = await get(demo.host, themeUrl).expect(200);
      expect(theme.text).toContain(`--brand-primary: ${demo.primary};`);
      // Exactly one h1, and every page says what it is to search engines.
      expect(page.text.match(/<h1[ >]/g)).toHaveLength(1);
      // Works without JavaScript: the only scripts are JSON-LD data.
      expect(page.text).not.toMatch(/<script(?! type="application\/ld\+json")/);
      // The language switch leads to the same page in the other language, naming it (it must beat the cookie).
      const other = lang === 'en' ? `${url}?lang=es` : url.replace('?lang=es', '?lang=en');
      expect(page.text).toContain(`<a href="${other}" hreflang="${lang === 'en' ? 'es' : 'en'}"`);
      expect(page.text).toMatch(/<meta name="description" content="[^"]{20,}">/);
    });

    it('gives every page a canonical URL on the primary domain and alternates for each language', async () => {
      const page = await get(demo.host, `/specialties/${demo.specialty}?lang=es`).expect(200);
      const origin = `http://${demo.host}:3000`;
      expect(page.text).toContain(`<link rel="canonical" href="${origin}/specialties/${demo.specialty}?lang=es">`);
      expect(page.text).toContain(`<link rel="alternate" hreflang="en" href="${origin}/specialties/${demo.specialty}">`);
      expect(page.text).toContain(`<link rel="alternate" hreflang="es" href="${origin}/specialties/${demo.specialty}?lang=es">`);
      expect(page.text).toContain(`<link rel="alternate" hreflang="x-default" href="${origin}/specialties/${demo.specialty}">`);
      expect(page.text).toContain(`<meta property="og:url" content="${origin}/specialties/${demo.specialty}?lang=es">`);
      expect(page.text).toContain('<meta property="og:locale" content="es_US">');
      // Links inside a Spanish page stay Spanish, for readers and crawlers alike.
      expect(page.text).toContain('href="/pricing?lang=es"');
      // Without ?lang=, the browser's language is honoured (main's negotiation), and the canonical says which.
      const negotiated = await get(demo.host, `/specialties/${demo.specialty}`).set('Accept-Language', 'es-MX,es;q=0.9').expect(200);
      expect(negotiated.text).toContain('<html lang="es">');
      expect(negotiated.text).toContain(`<link rel="canonical" href="${origin}/specialties/${demo.specialty}?lang=es">`);
    });

    it('shows prices with the JSON-LD that carries them', async () => {
      const home = await get(demo.host, '/').expect(200);
      const [hospital] = jsonLd(home.text);
      expect(hospital).toMatchObject({
        '@context': 'https://schema.org',
        '@type': 'Hospital',
        name: demo.name,
        url: `http://${demo.host}:3000/`,
      });
      const offers = (hospital.hasOfferCatalog as { itemListElement: Record<string, unknown>[] }).itemListElement;
      expect(offers.length).toBeGreaterThan(3);
      expect(offers).toContainEqual(expect.objectContaining({ '@type': 'Offer', price: demo.price.decimal, priceCurrency: 'USD' }));

      const specialty = await get(demo.host, `/specialties/${demo.specialty}`).expect(200);
      expect(specialty.text).toContain(demo.price.en);
      const service = jsonLd(specialty.text).find((d) => d['@type'] === 'Service')!;
      expect(service.offers).toContainEqual(expect.objectContaining({ price: demo.price.decimal, priceCurrency: 'USD' }));

      const physician = jsonLd((await get(demo.host, `/physicians/${demo.physician}`).expect(200)).text);
      expect(physician[0]).toMatchObject({ '@type': 'Physician', hospitalAffiliation: { '@type': 'Hospital', name: demo.name } });

      const pricing = jsonLd((await get(demo.host, '/pricing').expect(200)).text);
      expect(pricing[0]['@type']).toBe('OfferCatalog');
      expect(pricing[0].itemListElement).toContainEqual(expect.objectContaining({ price: demo.price.decimal }));

      const faq = jsonLd((await get(demo.host, '/faq').expect(200)).text);
      expect(faq[0]['@type']).toBe('FAQPage');
      expect((faq[0].mainEntity as unknown[]).length).toBeGreaterThan(3);
    });

    it('lists every public page once, in each language, on the primary domain in its sitemap', async () => {
      const sitemap = await get(demo.host, '/sitemap.xml').expect(200);
      expect(sitemap.headers['content-type']).toBe('application/xml; charset=utf-8');
      const locs = [...sitemap.text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
      expect(new Set(locs).size).toBe(locs.length);
      const origin = `http://${demo.host}:3000`;
      expect(locs.every((l) => l.startsWith(`${origin}/`))).toBe(true);
      const paths = locs.map((l) => l.slice(origin.length));
      for (const p of pagePaths(demo.specialty, demo.physician)) {
        expect(paths).toContain(p);
        expect(paths).toContain(`${p}?lang=es`);
      }
      // Every listed page exists.
      for (const p of paths) expect((await get(demo.host, p)).status).toBe(200);
      const robots = await get(demo.host, '/robots.txt').expect(200);
      expect(robots.text).toContain(`Sitemap: ${origin}/sitemap.xml`);
      expect(robots.text).toContain('Disallow: /console');
    });
  });

  it("answers 404 for another hospital's specialty or physician, and for a language the site does not offer", async () => {
    await get('lakeshore.localhost', '/specialties/rare-diseases').expect(404);
    await get('lakeshore.localhost', '/physicians/hannah-cho').expect(404);
    await get('meridian.localhost', '/specialties/cardiology').expect(404);
    await get('meridian.localhost', '/physicians/amara-okafor').expect(404);
    const es404 = await get('meridian.localhost', '/physicians/amara-okafor?lang=es').expect(404);
    expect(es404.text).toContain('No encontramos esa página.');
    expect(es404.text).not.toContain('Amara');
    // A language the site does not offer falls back to its default.
    expect((await get('lakeshore.localhost', '/pricing?lang=fr').expect(200)).text).toContain('<html lang="en">');
  });

  it('lets a tenant template win over the platform one (Meridian overrides the hero partial)', async () => {
    const meridian = await get('meridian.localhost', '/').expect(200);
    expect(meridian.text).toContain('hero hero--banner');
    expect(meridian.text).toContain('Academic expert review');
    expect((await get('meridian.localhost', '/?lang=es').expect(200)).text).toContain('Revisión académica experta');
    // Meridian offers French: its own hero speaks it too.
    const french = (await get('meridian.localhost', '/?lang=fr').expect(200)).text;
    expect(french).toContain('<html lang="fr">');
    expect(french).toContain('Avis d’experts universitaires');
    const lakeshore = await get('lakeshore.localhost', '/').expect(200);
    expect(lakeshore.text).not.toContain('hero--banner');
    expect(lakeshore.text).toContain('<section class="hero" aria-labelledby="hero-title">');
  });

  it('shows the licensure routes of each policy in plain words', async () => {
    const lakeshore = (await get('lakeshore.localhost', '/how-it-works').expect(200)).text;
    expect(lakeshore).toContain(
      'If you live in Illinois, Indiana, Michigan, and Wisconsin, a Lakeshore Medical Center physician licensed there',
    );
    expect(lakeshore).toContain('we work physician to physician');
    expect(lakeshore).toContain('If you live outside the United States, you receive an educational opinion');
    const meridian = (await get('meridian.localhost', '/how-it-works?lang=es').expect(200)).text;
    expect(meridian).toContain('Si vive en Arizona, Colorado, Nevada, Nuevo México y Utah');
    expect(meridian).toContain('No podemos dar opiniones a pacientes de otros estados.');
  });

  it('never counts an expired license, and shows who is not taking cases', async () => {
    const page = (await get('lakeshore.localhost', '/physicians/thomas-whitfield').expect(200)).text;
    expect(page).toContain('Licensed in Illinois');
    expect(page).not.toContain('Indiana');
    expect(page).toContain('Not accepting new cases at the moment');
  });

  it('prices each region from the rules, and says where an offering is not available', async () => {
    const lakeshore = (await get('lakeshore.localhost', '/pricing').expect(200)).text;
    // $950 base, +$100 in other states, nothing more abroad (no translation to charge for: issue #18).
    expect(lakeshore).toMatch(
      /<td data-label="In Illinois">\$950<\/td><td data-label="Other US states">\$1,050<\/td><td data-label="Outside the US">\$950<\/td>/,
    );
    const meridian = (await get('meridian.localhost', '/pricing').expect(200)).text;
    expect(meridian).toContain('Only where our physicians are licensed');
    const neurology = (await get('lakeshore.localhost', '/specialties/neurology').expect(200)).text;
    expect(neurology).toContain('patients in New York');
  });

  it('sends an alias domain to the primary one with a 301, keeping the path, language and query', async () => {
    // Only public pages and redirects are read: a tenant without people is enough.
    const tenant = await createTestTenant(app, {
      locales: ['en', 'es'],
      domains: ['care.example.org', 'alias.example.org'],
      primary_domain: 'care.example.org',
    });
    const moved = await get('alias.example.org', '/pricing?lang=es&utm_source=x').expect(301);
    expect(moved.headers.location).toBe('http://care.example.org:3000/pricing?lang=es&utm_source=x');
    await get(`${tenant.slug}.localhost`, '/sitemap.xml').expect(301);
    const sitemap = await get('care.example.org', '/sitemap.xml').expect(200);
    expect(sitemap.text).toContain('<loc>http://care.example.org:3000/</loc>');
    expect(sitemap.text).not.toContain('alias.example.org');
  });

  it('renders the operator host as the neutral platform page', async () => {
    const page = await get('admin.localhost', '/').expect(200);
    expect(page.text).toContain('operator host');
    expect(page.text).not.toMatch(/Lakeshore|Meridian/);
  });
});

describe('tenant template overrides', () => {
  let app: NestFastifyApplication;

  afterAll(() => app?.close());

  it('serves a page template from tenants/<slug>/templates/ instead of the platform one', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'templates-'));
    app = await createTestApp({ TENANTS_DIR: root });
    // Only public pages are read (nobody signs in): tenants without people are enough.
    const tenant = await createTestTenant(app);
    const other = await createTestTenant(app);
    mkdirSync(path.join(root, tenant.slug, 'templates', 'marketing'), { recursive: true });
    writeFileSync(
      path.join(root, tenant.slug, 'templates', 'marketing', 'faq.hbs'),
      '<h1>Our own FAQ page</h1><p class="custom-faq">{{groups.length}} groups</p>',
    );
    const own = await request(app.getHttpServer()).get('/faq').set('Host', tenant.host).expect(200);
    expect(own.text).toContain('<p class="custom-faq">1 groups</p>');
    expect(own.text).toContain(`<p class="site-footer__name">${tenant.name}</p>`);
    const platform = await request(app.getHttpServer()).get('/faq').set('Host', other.host).expect(200);
    expect(platform.text).not.toContain('custom-faq');
  });
});
