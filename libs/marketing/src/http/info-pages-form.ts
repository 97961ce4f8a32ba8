import { field } from '@consilium/core';
import { z } from 'zod';
import type { PagesContent, TextSection } from '../content/site-content.types';
import { localizedIn } from './site-copy-forms';

/** A privacy or terms section: a heading and its text, in every language. */
function sectionRow(locales: readonly string[]) {
  return z.record(z.string(), z.unknown()).transform((row, ctx): TextSection => {
    const heading = localizedIn(row, 'heading', locales, ctx, { max: 200 });
    const body = localizedIn(row, 'body', locales, ctx, { max: 20000 });
    return { heading: heading!, body: body! };
  });
}

/**
 * The info pages a blueprint's `pages:` gives: the pricing page's introduction and refund policy, and the privacy
 * and terms pages as sections (`privacy_<n>_heading_<locale>`, `_body_<locale>`). A page left empty shows the
 * platform's default text, as a blueprint without it does.
 */
export function infoPagesForm(locales: readonly string[]) {
  return z
    .object({
      pricing_intro: field.localized(locales, { max: 2000, optional: true }),
      refund_policy: field.localized(locales, { max: 4000, optional: true }),
      privacy: field.rows(sectionRow(locales)),
      terms: field.rows(sectionRow(locales)),
    })
    .superRefine(
      (form, ctx) => {
        if (form.pricing_intro && !form.refund_policy)
          ctx.addIssue({ code: 'custom', path: [`refund_policy_${locales[0]}`], message: 'marketing.console.pages.refundRequired' });
      },
      // Checked even when a section is refused, so every problem shows at once.
      { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
    )
    .transform((form): Pick<PagesContent, 'pricing' | 'privacy' | 'terms'> => ({
      pricing: form.refund_policy
        ? { ...(form.pricing_intro ? { intro: form.pricing_intro } : {}), refund_policy: form.refund_policy }
        : undefined,
      privacy: form.privacy.length ? { sections: form.privacy.map(({ heading, body }) => ({ heading, body })) } : undefined,
      terms: form.terms.length ? { sections: form.terms.map(({ heading, body }) => ({ heading, body })) } : undefined,
    }));
}
