import { Injectable } from '@nestjs/common';
import { FormBody, FormPresenter, msg, RefusedForm } from '@consilium/core';
import { TranslatedText } from '../translation/opinion-translation.entity';
import { FIELD_NAMES, OpinionTranslations, originalText, TRANSLATED_FIELDS } from '../translation/opinion-translations.service';

/** What the translation form sends, as the service takes it: text as typed, answers in their order. */
export function translationInput(body: FormBody | Record<string, string | string[]>): TranslatedText {
  const one = (k: string) => {
    const v = body[k];
    const first = Array.isArray(v) ? v[0] : v;
    return typeof first === 'string' ? first : undefined;
  };
  const answers = Object.keys(body)
    .filter((k) => /^answer_\d+$/.test(k))
    .sort((x, y) => Number(x.slice(7)) - Number(y.slice(7)))
    .map((k) => one(k) ?? '');
  return {
    ...(Object.fromEntries(TRANSLATED_FIELDS.map((f) => [f, one(FIELD_NAMES[f])])) as Record<(typeof TRANSLATED_FIELDS)[number], string>),
    answers,
  };
}

/**
 * The translator's queue and workspace: each part of the signed original beside its translation, which starts as
 * the machine's draft (the page says which machine, and that the demo's drafts nothing). A refused save keeps what
 * was typed.
 */
@Injectable()
export class TranslationsPage implements FormPresenter {
  constructor(private readonly translations: OpinionTranslations) {}

  async list(): Promise<Record<string, unknown>> {
    const rows = await this.translations.queue();
    return { rows: rows.map((r) => ({ ...r, statusKey: `opinions.translation.status.${r.status}` })) };
  }

  async workspace(id: string, typed?: Record<string, string | string[]>): Promise<Record<string, unknown>> {
    const { translation, opinion, caseNumber } = await this.translations.work(id);
    const original = originalText(opinion);
    const input = typed && translationInput(typed);
    const current = (f: (typeof TRANSLATED_FIELDS)[number]) => input?.[f] ?? translation.text[f];
    const parts = TRANSLATED_FIELDS.filter((f) => original[f]).map((f) => ({
      name: FIELD_NAMES[f],
      labelKey: `opinions.translation.field.${f}`,
      original: original[f],
      value: current(f),
    }));
    const answers = opinion.answers.map((qa, i) => ({
      name: `answer_${i}`,
      question: qa.question,
      original: qa.answer,
      value: input?.answers[i] ?? translation.text.answers[i] ?? '',
    }));
    return {
      title: msg('opinions.translation.title', { number: caseNumber }),
      translation,
      caseNumber,
      version: opinion.version,
      released: translation.status === 'released',
      draftKey: `opinions.translation.draftBy.${translation.provider}`,
      parts,
      answers,
    };
  }

  refused({ params, values }: RefusedForm): Promise<Record<string, unknown>> {
    return this.workspace(params.id, values);
  }
}
