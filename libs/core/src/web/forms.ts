import { z } from 'zod';
import { FieldProblems, InvalidInput } from '../errors/domain-error';
import { LanguageName, MessageValues } from '../i18n/translator';
import { currencyDigits, parseAmount } from '../i18n/money';

/**
 * The one form reader: a zod schema whose messages are catalog keys, over the submitted body (urlencoded or
 * multipart alike). On success, the typed data; on failure it throws InvalidInput with a key per field, which the
 * page flow shows beside each field, in the reader's language, with everything as typed.
 *
 *     const signUp = z.object({ name: field.text(), email: field.email(), terms: field.checkbox().refine(Boolean, 'identity.signUp.acceptTerms') });
 *     const input = parseForm(signUp, body);
 *
 * A field a schema gives no message gets core's (`core.form.required`, `core.form.tooLong` with `{max}`, ...).
 * Flat field names stay what the HTML needs (`title_en`, `license_0_number`): `field.localized` and `field.rows`
 * read them as one value, and a problem is reported under the flat name.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const checked = checkForm(schema, body);
  if (!checked.ok) throw new InvalidInput(checked.problems);
  return checked.data;
}

/** parseForm without the throw, for a handler that must do something first (audit a refused sign-in). */
export function checkForm<S extends z.ZodType>(
  schema: S,
  body: unknown,
): { ok: true; data: z.infer<S> } | { ok: false; problems: FieldProblems } {
  const parsed = schema.safeParse(grouped(schema, body), { error: coreMessage });
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, problems: problemsOf(schema, parsed.error.issues) };
}

/** The field problems of a zod error, by flat field name, as catalog keys with their values. */
export function problemsOf(schema: z.ZodType, issues: z.core.$ZodIssue[]): FieldProblems {
  const shape = shapeOf(schema);
  const problems: FieldProblems = {};
  for (const issue of issues) {
    const [first] = issue.path;
    const field =
      first === undefined ? '_form' : shape?.[String(first)] && GROUPS.has(shape[String(first)]) ? issue.path.join('_') : String(first);
    problems[field] ??= { key: issue.message, values: valuesOf(issue) };
  }
  return problems;
}

function valuesOf(issue: z.core.$ZodIssue): MessageValues | undefined {
  const values: MessageValues = { ...((issue as { params?: MessageValues }).params ?? {}) };
  const { minimum, maximum } = issue as { minimum?: number | bigint; maximum?: number | bigint };
  if (minimum !== undefined) values.min = Number(minimum);
  if (maximum !== undefined) values.max = Number(maximum);
  return Object.keys(values).length ? values : undefined;
}

/** Core's words for what a schema did not name. */
function coreMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'too_small':
      return issue.origin === 'array'
        ? 'core.form.chooseAtLeastOne'
        : Number(issue.minimum) <= 1
          ? 'core.form.required'
          : 'core.form.tooShort';
    case 'too_big':
      return 'core.form.tooLong';
    case 'invalid_format':
      return issue.format === 'email' ? 'core.form.email' : 'core.form.invalid';
    case 'invalid_value':
      return 'core.form.choose';
    case 'invalid_type':
      return issue.input === undefined || issue.input === '' ? 'core.form.required' : 'core.form.invalid';
    default:
      return 'core.form.invalid';
  }
}

/** Schemas that read several flat fields (`title_en`, `license_0_number`) as one value. */
const GROUPS = new WeakMap<z.ZodType, 'localized' | 'rows'>();

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const s = schema as unknown as { shape?: Record<string, z.ZodType>; _zod?: { def?: { in?: z.ZodType } } };
  if (s.shape) return s.shape;
  const inner = s._zod?.def?.in;
  return inner ? shapeOf(inner) : undefined;
}

/** The body with each grouped field gathered: `title_en`, `title_es` -> `title: { en, es }`; rows likewise. */
function grouped(schema: z.ZodType, body: unknown): Record<string, unknown> {
  const flat = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const out: Record<string, unknown> = { ...flat };
  for (const [name, fieldSchema] of Object.entries(shapeOf(schema) ?? {})) {
    const kind = GROUPS.get(fieldSchema);
    if (!kind) continue;
    const group: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(flat)) {
      if (!key.startsWith(`${name}_`)) continue;
      const rest = key.slice(name.length + 1);
      if (kind === 'localized') group[rest] = value;
      else {
        const m = /^(\d{1,3})_(.+)$/.exec(rest);
        if (m) ((group[m[1]] ??= {}) as Record<string, unknown>)[m[2]] = value;
      }
    }
    out[name] = group;
  }
  return out;
}

const firstText = (v: unknown): unknown => (Array.isArray(v) ? (v as unknown[])[0] : v);
const asText = (v: unknown): unknown => {
  const first = firstText(v);
  return typeof first === 'string' ? first.trim() : first === undefined ? '' : first;
};
const textOf = (v: unknown): string => {
  const text = asText(v);
  return typeof text === 'string' ? text : '';
};
/**
 * An optional field left blank is missing (undefined), and anything typed is checked as the field's own schema, so
 * a wrong value gets the field's message ("Enter an amount like 950.00"), not a union's generic one.
 */
const blankAsMissing = (v: unknown): unknown => {
  const text = asText(v);
  return text === '' ? undefined : text;
};
const asList = (v: unknown) =>
  (v === undefined ? [] : Array.isArray(v) ? v : [v])
    .filter((x): x is string => typeof x === 'string' && x.trim() !== '')
    .map((x) => x.trim());

/** A form field's schema: what a person typed in, the typed value out. */
type Field<T> = z.ZodType<T, unknown>;

/** Field builders for `parseForm` schemas; each message is a catalog key. */
export const field = {
  /** Trimmed text, required unless `optional` (then '' when empty), at most `max` characters. */
  text(options: { max?: number; optional?: boolean; required?: string } = {}) {
    const max = options.max ?? 200;
    const base = z.string().max(max, 'core.form.tooLong');
    return z.preprocess(asText, options.optional ? base : base.min(1, options.required ?? 'core.form.required'));
  },

  /** An email address; `message` is the key shown when it is not one. */
  email(message = 'core.form.email') {
    return z.preprocess(asText, z.email(message).max(254, 'core.form.tooLong'));
  },

  /** A password as typed (never trimmed); its rules are the service's (password-policy). */
  password(required = 'core.form.required') {
    return z.preprocess(firstText, z.string(required).min(1, required));
  },

  /** A checkbox: checked when sent with any value. */
  checkbox() {
    return z.preprocess((v) => asText(v) !== '', z.boolean());
  },

  /** One of `values` (a select or radio group). */
  choice<const T extends readonly [string, ...string[]]>(values: T, message = 'core.form.choose') {
    return z.preprocess(asText, z.enum(values, message));
  },

  /** Checkboxes sharing a name: the chosen values, at least `min`. */
  choices<const T extends readonly [string, ...string[]]>(values: T, options: { min?: number; message?: string } = {}) {
    return z.preprocess(
      asList,
      z.array(z.enum(values, 'core.form.choose')).min(options.min ?? 0, options.message ?? 'core.form.chooseAtLeastOne'),
    );
  },

  /** A list of free values (repeated fields), trimmed, empty ones dropped. */
  list() {
    return z.preprocess(asList, z.array(z.string()));
  },

  /** A whole number typed by a person (`3`), between `min` and `max`. */
  whole<O extends boolean = false>(
    min: number,
    max: number,
    options: { optional?: O; message?: string } = {},
  ): Field<O extends true ? number | undefined : number> {
    const number = z
      .string()
      .refine((v) => /^-?\d+$/.test(v) && Number(v) >= min && Number(v) <= max, {
        message: options.message ?? 'core.form.whole',
        params: { min, max },
      })
      .transform(Number);
    return (options.optional ? z.preprocess(blankAsMissing, number.optional()) : z.preprocess(asText, number)) as unknown as Field<never>;
  },

  /**
   * An amount typed in the currency's major unit (`950` or `950.00`), in minor units, so nobody counts cents.
   * Negative amounts only where asked (a discount).
   */
  money<O extends boolean = false>(
    currency: string,
    options: { optional?: O; negative?: boolean } = {},
  ): Field<O extends true ? number | undefined : number> {
    const example = currencyDigits(currency) ? '950.00' : '950';
    const amount = z.string().transform((raw, ctx) => {
      const minor = parseAmount(raw.replace(/,/g, ''), currency);
      const problem =
        minor === undefined
          ? { message: 'core.form.amount', params: { example } }
          : minor < 0 && !options.negative
            ? { message: 'core.form.amountNegative' }
            : Math.abs(minor) > 100_000_000
              ? { message: 'core.form.amountTooLarge' }
              : undefined;
      if (problem) {
        ctx.addIssue({ code: 'custom', ...problem });
        return z.NEVER;
      }
      return minor!;
    });
    return (options.optional ? z.preprocess(blankAsMissing, amount.optional()) : z.preprocess(asText, amount)) as unknown as Field<never>;
  },

  /** `2027-06-30`: a real calendar date (`2026-13-01` and `2026-02-30` are refused beside the field). */
  date<O extends boolean = false>(options: { optional?: O } = {}): Field<O extends true ? string | undefined : string> {
    const date = z.string().refine(isCalendarDate, 'core.form.date');
    return (options.optional ? z.preprocess(blankAsMissing, date.optional()) : z.preprocess(asText, date)) as unknown as Field<never>;
  },

  /**
   * Text in each of the site's languages, from `<name>_<locale>` fields: one string when the site has one
   * language, else `{ en: ..., fr: ... }`. A missing language is reported beside its own field.
   */
  localized(locales: readonly string[], options: { max?: number; optional?: boolean } = {}) {
    const max = options.max ?? 2000;
    const schema = z.record(z.string(), z.unknown()).transform((given, ctx) => {
      const values = Object.fromEntries(locales.map((l) => [l, textOf(given[l])]));
      if (options.optional && locales.every((l) => !values[l])) return undefined;
      for (const l of locales) {
        if (!values[l]) {
          const problem =
            locales.length > 1 ? { message: 'core.form.textIn', params: { language: new LanguageName(l) } } : { message: 'core.form.text' };
          ctx.addIssue({ code: 'custom', path: [l], ...problem });
        } else if (values[l].length > max) ctx.addIssue({ code: 'custom', path: [l], message: 'core.form.tooLong', params: { max } });
      }
      return locales.length === 1 ? values[locales[0]] : values;
    });
    GROUPS.set(schema, 'localized');
    return schema;
  },

  /**
   * Numbered rows of fields (`license_0_number`, `license_3_expires`), so a form works without JavaScript: a
   * blank row is how a new one is added, and a row whose `remove` box is checked is dropped before validation.
   * The value is the list of rows, each with its `index` (the number in its field names).
   */
  rows<R extends z.ZodType>(row: R) {
    const schema = z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .transform((rows) =>
        Object.fromEntries(
          Object.entries(rows).filter(
            ([, fields]) => asText(fields.remove) === '' && Object.entries(fields).some(([k, v]) => k !== 'remove' && asText(v) !== ''),
          ),
        ),
      )
      .pipe(z.record(z.string(), row) as unknown as z.ZodType<Record<string, z.infer<R>>, Record<string, Record<string, unknown>>>)
      .transform((rows) =>
        Object.entries(rows)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([index, value]) => ({ index: Number(index), ...(value as object) }) as z.infer<R> & { index: number }),
      );
    GROUPS.set(schema, 'rows');
    return schema;
  },
};

/**
 * `2027-06-30` and a day that exists in that month and year. Never throws: `new Date('2026-13-01')` is an Invalid Date
 * whose toISOString() throws, which is how an impossible date once became a 500.
 */
export function isCalendarDate(value: unknown): value is string {
  const m = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return month >= 1 && month <= 12 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
