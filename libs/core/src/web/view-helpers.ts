import Handlebars from 'handlebars';

type HelperOptions = Handlebars.HelperOptions;

/** What the layout data (`@root`) gives every helper; Handlebars itself types it `any`. */
export interface LayoutRoot {
  /** The page's language. */
  lang?: string;
  /** The page's language when it is not the site's default. */
  langParam?: string;
  /** The tenant's time zone. */
  timeZone?: string;
}

export function layoutRoot(options: HelperOptions | undefined): LayoutRoot {
  return (options?.data as { root?: LayoutRoot } | undefined)?.root ?? {};
}

/** Helpers available to every template. Keep them formatting-only: pages receive ready data. */
export function registerHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('year', () => new Date().getFullYear());
  hbs.registerHelper(
    'json',
    (value: unknown) =>
      // For <script type="application/ld+json">: escape "<" so no value can close the script element.
      new hbs.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')),
  );
  hbs.registerHelper('array', (...args: unknown[]) => args.slice(0, -1));
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  hbs.registerHelper('includes', (list: unknown, value: unknown) => Array.isArray(list) && list.includes(value));
  /** A moment in the tenant's time zone (`timeZone` in the layout data), in the page's language. */
  hbs.registerHelper('date', (value: unknown, options: Handlebars.HelperOptions) => {
    if (!value) return '';
    const root = layoutRoot(options);
    return new Intl.DateTimeFormat(root.lang === 'es' ? 'es-US' : 'en-US', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: root.timeZone || 'UTC',
    }).format(new Date(value as string));
  });
  hbs.registerHelper('money', (minor: number, currency: string, locale?: unknown) =>
    new Intl.NumberFormat(typeof locale === 'string' ? locale : 'en-US', { style: 'currency', currency: currency || 'USD' }).format(
      (minor ?? 0) / 100,
    ),
  );
  /**
   * `{{url seo.canonicalUrl}}`: an address in an attribute, escaped for HTML but not beyond (`?lang=es` stays readable,
   * where the default escaping writes `?lang&#x3D;es`). Quotes and angle brackets are still escaped.
   */
  hbs.registerHelper('url', (value: string | URL | undefined) => new hbs.SafeString(escapeAttribute(String(value ?? ''))));
  /** `{{link "/pricing"}}` -> `/pricing?lang=es` on a Spanish page: links stay in the reader's language. */
  hbs.registerHelper('link', (path: string, options: HelperOptions) => {
    const lang = layoutRoot(options).langParam;
    return new hbs.SafeString(escapeAttribute(lang ? `${path}${path.includes('?') ? '&' : '?'}lang=${lang}` : path));
  });
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
