import { Injectable } from '@nestjs/common';
import { FormPresenter, RefusedForm, RequestContext } from '@consilium/core';
import { INTAKE_QUESTION_TYPES, languageFields, localize, ResolvedTenant } from '@consilium/tenancy';
import { CatalogPages } from './catalog-pages';
import { questionValues } from './question-forms';

type Values = Record<string, string | string[]>;

/**
 * An offering's intake questions and exclusions: one set of fields per question, and one blank set more, so a
 * question is added without JavaScript.
 */
@Injectable()
export class QuestionPages implements FormPresenter {
  constructor(
    private readonly catalog: CatalogPages,
    private readonly context: RequestContext,
  ) {}

  async edit(slug: string, values?: Values): Promise<Record<string, unknown>> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const current = await this.catalog.current(slug);
    const shown = values ?? questionValues(current.intakeQuestions, current.exclusions, tenant.locales);
    const text = (name: string) => String(([] as string[]).concat(shown[name] ?? '')[0] ?? '');
    const rows = [
      ...new Set(
        Object.keys(shown)
          .map((k) => /^question_(\d{1,3})_/.exec(k)?.[1])
          .filter((n): n is string => n !== undefined)
          .map(Number),
      ),
    ].sort((a, b) => a - b);
    const next = rows.length ? Math.max(...rows) + 1 : 0;
    const questions = [...rows, next].map((i) => {
      const type = `question_${i}_type`;
      return {
        index: i,
        number: i + 1,
        key: `question_${i}_key`,
        type,
        types: INTAKE_QUESTION_TYPES.map((t) => ({ value: t, selected: text(type) === t })),
        required: `question_${i}_required`,
        requiredChecked: !!text(`question_${i}_required`),
        remove: `question_${i}_remove`,
        removeChecked: !!text(`question_${i}_remove`),
        existing: i !== next,
        labels: languageFields(`question_${i}_label`, tenant.locales),
        options: languageFields(`question_${i}_options`, tenant.locales),
      };
    });
    return {
      title: localize(current.name, this.context.locale(), tenant.defaultLocale),
      slug,
      questions,
      inpatientsChecked: !!text('inpatients'),
      others: languageFields('other', tenant.locales),
      values: shown,
    };
  }

  refused({ params, values }: RefusedForm): Promise<Record<string, unknown>> {
    return this.edit(params.slug, values);
  }
}
