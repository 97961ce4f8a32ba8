import { FieldProblems, InvalidInput, MessageValues, msg } from '@consilium/core';
import { z } from 'zod';

/**
 * Reads a request's query string: each problem is reported under the parameter's name, with what to send instead,
 * and a parameter the endpoint does not know is refused rather than ignored (a typo must not widen a filter).
 * Messages are catalog keys (`integrations.api.*`, or a lib's own for a schema it shares), in the client's language.
 */
export function parseQuery<S extends z.ZodObject>(schema: S, query: unknown): z.infer<S> {
  const values = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const known = Object.keys(schema.shape);
  const unknown = Object.keys(values).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new InvalidInput(
      Object.fromEntries(unknown.map((k) => [k, msg('integrations.api.unknownParameter', { known: known.join(', ') })])),
    );
  }
  const parsed = schema.safeParse(values, { error: fallbackKey });
  if (parsed.success) return parsed.data;
  throw new InvalidInput(problems(parsed.error, (path) => String(path[0] ?? 'query')));
}

/** Reads a JSON body: each problem under its JSON pointer (`#/kind`), unknown members refused. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidInput({ '#': msg('integrations.api.notJsonObject') });
  }
  const parsed = schema.safeParse(body, { error: fallbackKey });
  if (parsed.success) return parsed.data;
  throw new InvalidInput(problems(parsed.error, (path) => `#/${path.map(String).join('/')}`));
}

/** What a schema did not name itself. */
function fallbackKey(issue: z.core.$ZodRawIssue): string {
  if (issue.code === 'invalid_value') return 'integrations.api.oneOf';
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'integrations.api.required';
  return 'integrations.api.invalid';
}

function problems(error: z.ZodError, key: (path: PropertyKey[]) => string): FieldProblems {
  const fields: FieldProblems = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) fields[key([...issue.path, k])] ??= msg('integrations.api.unknownMember');
      continue;
    }
    fields[key(issue.path)] ??= msg(issue.message, valuesOf(issue));
  }
  return fields;
}

function valuesOf(issue: z.core.$ZodIssue): MessageValues | undefined {
  const values: MessageValues = { ...((issue as { params?: MessageValues }).params ?? {}) };
  const { minimum, maximum } = issue as { minimum?: number | bigint; maximum?: number | bigint };
  if (minimum !== undefined) values.min = Number(minimum);
  if (maximum !== undefined) values.max = Number(maximum);
  if (issue.code === 'invalid_value') values.values = issue.values.map(String).join(', ');
  return Object.keys(values).length ? values : undefined;
}

/** `state=a,b` and `state=a&state=b` alike: a list of strings. */
export const listParam = z.preprocess(
  (v) =>
    v === undefined
      ? undefined
      : (Array.isArray(v) ? v : [v])
          .flatMap((s) => String(s).split(','))
          .map((s) => s.trim())
          .filter(Boolean),
  z.array(z.string()).optional(),
);

/** An ISO 8601 moment with its offset (`2026-03-01T00:00:00Z`). */
export const instant = z
  .string({ error: 'integrations.api.instant' })
  .refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)), {
    error: 'integrations.api.instant',
  });

/** A page's size: a whole number from 1 to `max`, `fallback` when absent. */
export const pageSize = (max: number, fallback: number) =>
  z
    .unknown()
    .optional()
    .transform((value, ctx): number => {
      if (value === undefined) return fallback;
      const n = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : NaN;
      if (n >= 1 && n <= max) return n;
      ctx.addIssue({ code: 'custom', message: 'integrations.api.pageSize', params: { max } });
      return z.NEVER;
    });

/** An id in a path: anything but a UUID is a thing that does not exist (404), as for another hospital's id. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
