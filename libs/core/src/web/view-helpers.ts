import Handlebars from 'handlebars';

/** Helpers available to every template. Keep them formatting-only: pages receive ready data. */
export function registerHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('year', () => new Date().getFullYear());
  hbs.registerHelper('json', (value: unknown) =>
    // For <script type="application/ld+json">: escape "<" so no value can close the script element.
    new hbs.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')),
  );
  hbs.registerHelper('money', (minor: number, currency: string, locale?: unknown) =>
    new Intl.NumberFormat(typeof locale === 'string' ? locale : 'en-US', { style: 'currency', currency: currency || 'USD' }).format(
      (minor ?? 0) / 100,
    ),
  );
}
