import { field } from '@consilium/core';
import type { ResolvedTenant } from '@consilium/tenancy';
import { z } from 'zod';
import type { SpecialtyInput } from '../catalog.types';

const SLUG = /^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$/;

/**
 * A specialty as the console edits it: its name, summary and optional description in each of the hospital's
 * languages; a new one also has its address name (`/specialties/<slug>`), which never changes afterwards.
 */
export function specialtyForm(tenant: ResolvedTenant, options: { isNew: boolean }) {
  const identity = options.isNew
    ? {
        slug: field
          .text({ max: 60, required: 'catalog.specialties.slugInvalid' })
          .transform((v) => v.toLowerCase())
          .pipe(z.string().regex(SLUG, 'catalog.specialties.slugInvalid')),
      }
    : {};
  return z
    .object({
      ...identity,
      name: field.localized(tenant.locales, { max: 120 }),
      summary: field.localized(tenant.locales, { max: 400 }),
      description: field.localized(tenant.locales, { max: 4000, optional: true }),
    })
    .transform((form): Pick<SpecialtyInput, 'name' | 'summary' | 'description'> & { slug?: string } => ({
      ...('slug' in form ? { slug: form.slug as string } : {}),
      name: form.name!,
      summary: form.summary!,
      description: form.description,
    }));
}
