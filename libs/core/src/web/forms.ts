import { z } from 'zod';

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string>; values: Record<string, unknown> };

/**
 * Validates a submitted form. On failure it returns a message per field and what was typed (passwords excepted),
 * so the page can be shown again with every field kept and every problem beside its field.
 */
export function readForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.infer<S>> {
  const values = (body && typeof body === 'object' ? { ...(body as Record<string, unknown>) } : {}) as Record<string, unknown>;
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '_form');
    errors[field] ??= issue.message;
  }
  return { ok: false, errors, values: keptValues(values) };
}

/** What a form page shows again after a refusal: everything typed except secrets (passwords, codes, the CSRF token). */
export function keptValues(body: unknown): Record<string, unknown> {
  const values = (body && typeof body === 'object' ? { ...(body as Record<string, unknown>) } : {}) as Record<string, unknown>;
  for (const key of Object.keys(values)) if (/password|code|_csrf/i.test(key)) delete values[key];
  return values;
}
