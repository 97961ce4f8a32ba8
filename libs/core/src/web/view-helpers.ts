import Handlebars from 'handlebars';
import { intlLocale, languageName } from '../i18n/locales';
import { formatMoney } from '../i18n/money';

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
  // `{{#if errors}}` is true for an empty object: a fresh form would show an empty error box.
  hbs.registerHelper('hasEntries', (value: unknown) =>
    Array.isArray(value) ? value.length > 0 : !!value && typeof value === 'object' && Object.keys(value).length > 0,
  );
  hbs.registerHelper('array', (...args: unknown[]) => args.slice(0, -1));
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  // A list, or a single value (one checkbox of a group sends a string).
  hbs.registerHelper('includes', (list: unknown, value: unknown) => (Array.isArray(list) ? list.includes(value) : list === value));
  /** A moment in the tenant's time zone (`timeZone` in the layout data), in the page's language. */
  hbs.registerHelper('date', (value: unknown, options: Handlebars.HelperOptions) => {
    if (!value) return '';
    const page = layoutRoot(options);
    return new Intl.DateTimeFormat(intlLocale(page.lang ?? 'en'), {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: page.timeZone || 'UTC',
    }).format(new Date(value as string));
  });
  /** `{{money amountMinor currency}}`: minor units in the page's language and region (`$950.00`, `950,00 $ US`). */
  hbs.registerHelper('money', (minor: number, currency: string, ...rest: unknown[]) => {
    const locale = typeof rest[0] === 'string' ? rest[0] : (layoutRoot(rest[rest.length - 1] as HelperOptions).lang ?? 'en');
    return formatMoney(minor ?? 0, currency || 'USD', locale, { cents: 'always' });
  });
  /** `{{languageName "fr"}}`: a language's name in itself (`Français`), for a choice of languages. */
  hbs.registerHelper('languageName', (tag: string) => languageName(String(tag)));
  /** `{{languageLabel "es"}}`: a language's name in the page's language (`Spanish`, `espagnol`), for labels. */
  hbs.registerHelper('languageLabel', (tag: string, options: HelperOptions) => {
    const page = intlLocale(layoutRoot(options).lang ?? 'en');
    try {
      return new Intl.DisplayNames([page], { type: 'language' }).of(String(tag)) ?? String(tag);
    } catch {
      return String(tag);
    }
  });
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
