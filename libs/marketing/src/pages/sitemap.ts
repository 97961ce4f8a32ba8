import { localizedPath } from '@consilium/core';
import type { CatalogSnapshot } from '@consilium/catalog';
import { RosterSnapshot, staffedSpecialtyIds } from '@consilium/roster';

/**
 * Every public page of a site, in its default language; each language adds its own URL. A specialty no physician
 * can take a case in today (staffedSpecialtyIds) is left out: search engines should not send patients to it.
 */
export function publicPaths(catalog: CatalogSnapshot, roster: RosterSnapshot, today: string): string[] {
  const staffed = staffedSpecialtyIds(roster.physicians, today);
  return [
    '/',
    '/specialties',
    ...catalog.specialties.filter((s) => staffed.has(s.id)).map((s) => `/specialties/${s.slug}`),
    '/physicians',
    ...roster.physicians.map((p) => `/physicians/${p.slug}`),
    '/pricing',
    '/how-it-works',
    '/faq',
    '/contact',
    '/privacy',
    '/terms',
  ];
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * sitemaps.org XML: one <url> per page and language, all on the primary origin, each listing its language
 * alternates (Google's hreflang-in-sitemap form).
 */
export function sitemapXml(paths: string[], origin: string, locales: string[], defaultLocale: string): string {
  const urls: string[] = [];
  for (const path of paths) {
    const alternates =
      locales.length > 1
        ? locales
            .map(
              (l) => `    <xhtml:link rel="alternate" hreflang="${l}" href="${escape(origin + localizedPath(path, l, defaultLocale))}"/>\n`,
            )
            .join('')
        : '';
    for (const locale of locales) {
      urls.push(`  <url>\n    <loc>${escape(origin + localizedPath(path, locale, defaultLocale))}</loc>\n${alternates}  </url>\n`);
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n${urls.join('')}</urlset>\n`;
}

/** Everything public may be crawled; the intake, the patient portal and the console may not. */
export function robotsTxt(origin: string): string {
  return [
    'User-agent: *',
    'Allow: /',
    'Disallow: /start',
    'Disallow: /account',
    'Disallow: /console',
    '',
    `Sitemap: ${origin}/sitemap.xml`,
    '',
  ].join('\n');
}
