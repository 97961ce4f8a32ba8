/** Every page type of a hospital site, in its default language. */
export function pagePaths(specialty: string, physician: string): string[] {
  return [
    '/',
    '/specialties',
    `/specialties/${specialty}`,
    '/physicians',
    `/physicians/${physician}`,
    '/pricing',
    '/how-it-works',
    '/faq',
    '/contact',
    '/privacy',
    '/terms',
  ];
}

/** The JSON-LD blocks of a page, parsed (a block that does not parse fails the test). */
export function jsonLd(html: string): Record<string, unknown>[] {
  return [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[1]));
}
