import { Inject, Injectable, Logger } from '@nestjs/common';
import { Case } from '@consilium/cases';
import { CatalogReader } from '@consilium/catalog';
import { FieldProblems, first, InvalidInput, msg, NotFound, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { Opinion } from '../opinion.entity';
import { MACHINE_TRANSLATOR, MachineTranslator } from './machine-translator';
import { OpinionTranslation, TranslatedText } from './opinion-translation.entity';

const LIMIT = 20000;

/** The fields of an opinion a translator translates, in the order the page and the letter show them. */
export const TRANSLATED_FIELDS = [
  'amendmentReason',
  'patientSummary',
  'diagnosisNote',
  'recommendations',
  'alternatives',
  'clinicalTrials',
] as const;
type TextField = (typeof TRANSLATED_FIELDS)[number];

/** A form's field name for each translated field (the workspace's textareas). */
export const FIELD_NAMES: Record<TextField, string> = {
  amendmentReason: 'amendment_reason',
  patientSummary: 'patient_summary',
  diagnosisNote: 'diagnosis_note',
  recommendations: 'recommendations',
  alternatives: 'alternatives',
  clinicalTrials: 'clinical_trials',
};

/** What the physician wrote, in the shape of a translation. */
export function originalText(o: Opinion): TranslatedText {
  return {
    amendmentReason: o.amendmentReason ?? '',
    patientSummary: o.patientSummary,
    diagnosisNote: o.diagnosisNote,
    recommendations: o.recommendations,
    alternatives: o.alternatives,
    clinicalTrials: o.clinicalTrials,
    answers: o.answers.map((a) => a.answer),
  };
}

function sameLanguage(a: string, b: string): boolean {
  return a.split('-')[0] === b.split('-')[0];
}

export interface TranslationWork {
  translation: OpinionTranslation;
  opinion: Opinion;
  caseNumber: string;
}

/**
 * The opinion in the patient's language (issue #18): when the case bought the translation add-on and the patient
 * reads another language than the hospital's physicians write in (its default language), a signed version is not
 * delivered until a translator has reviewed the machine's draft and released it. The signed original stays as it was.
 */
@Injectable()
export class OpinionTranslations {
  private readonly logger = new Logger('Translations');

  constructor(
    private readonly db: TenantDatabase,
    private readonly catalog: CatalogReader,
    private readonly context: RequestContext,
    @Inject(MACHINE_TRANSLATOR) private readonly machine: MachineTranslator,
  ) {}

  /**
   * The language a case's opinion must be translated into before delivery, or null when it needs none: the one the
   * patient bought the translation in (their account's, for a case that kept none), if the hospital still serves it.
   */
  async targetFor(tx: EntityManager, tenant: ResolvedTenant, c: Case): Promise<string | null> {
    if (!(await this.catalog.buysTranslation(tx, c.addOnIds))) return null;
    const patient = c.translationLocale
      ? undefined
      : await first<{ locale: string | null }>(tx, 'SELECT locale FROM accounts WHERE id = $1', [c.patientId]);
    const wanted = c.translationLocale ?? patient?.locale;
    const target = wanted && tenant.locales.includes(wanted) ? wanted : null;
    return target && !sameLanguage(target, tenant.defaultLocale) ? target : null;
  }

  /**
   * Drafts the translation of a signed version once, by machine, outside any transaction (the provider may take a
   * moment); a second run finds the draft and does nothing. Returns whether the version waits for a translator.
   */
  async prepare(tenant: ResolvedTenant, opinionId: string): Promise<void> {
    const needed = await this.db.forTenant(tenant.id, async (tx) => {
      const opinion = await tx.findOne(Opinion, { where: { id: opinionId, status: 'signed' } });
      if (!opinion || (await tx.findOne(OpinionTranslation, { where: { opinionId } }))) return null;
      const c = await tx.findOneByOrFail(Case, { id: opinion.caseId });
      const target = await this.targetFor(tx, tenant, c);
      return target ? { opinion, target } : null;
    });
    if (!needed) return;
    const { opinion, target } = needed;
    const source = originalText(opinion);
    const texts = [...TRANSLATED_FIELDS.map((f) => source[f]), ...source.answers];
    let provider: OpinionTranslation['provider'] = this.machine.name;
    let translated: string[];
    try {
      translated = await this.machine.translate(texts, tenant.defaultLocale, target);
    } catch (error) {
      // The signature stands and the translator still has the work: the original, said to be untranslated. The
      // log names the error, never the text.
      this.logger.warn({ tenantId: tenant.id, opinionId, err: { name: (error as Error).name } }, 'machine translation failed');
      provider = 'none';
      translated = texts;
    }
    const draft: TranslatedText = {
      ...(Object.fromEntries(TRANSLATED_FIELDS.map((f, i) => [f, translated[i] ?? ''])) as Record<TextField, string>),
      answers: translated.slice(TRANSLATED_FIELDS.length),
    };
    await this.db.forTenant(tenant.id, (tx) =>
      tx.query(
        `INSERT INTO opinion_translations (tenant_id, opinion_id, case_id, source_locale, target_locale, provider, machine_draft, text, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 'draft') ON CONFLICT (tenant_id, opinion_id) DO NOTHING`,
        [tenant.id, opinion.id, opinion.caseId, tenant.defaultLocale, target, provider, JSON.stringify(draft)],
      ),
    );
  }

  /** The translation of a version, if it has one (for the letter and the patient's page). */
  forOpinion(tx: EntityManager, opinionId: string): Promise<OpinionTranslation | null> {
    return tx.findOne(OpinionTranslation, { where: { opinionId } });
  }

  /** The translator's queue: waiting first (oldest first), then the last released. */
  queue(): Promise<{ id: string; caseNumber: string; version: number; target: string; status: string; at: Date }[]> {
    return this.db.transaction((tx) =>
      rows(
        tx,
        `SELECT t.id, c.number AS "caseNumber", o.version, t.target_locale AS target, t.status,
                coalesce(t.released_at, t.created_at) AS at
           FROM opinion_translations t
           JOIN opinions o ON o.tenant_id = t.tenant_id AND o.id = t.opinion_id
           JOIN cases c ON c.tenant_id = t.tenant_id AND c.id = t.case_id
          ORDER BY (t.status = 'draft') DESC, CASE WHEN t.status = 'draft' THEN t.created_at END ASC, t.released_at DESC
          LIMIT 100`,
      ),
    );
  }

  /** One translation with its signed original; another hospital's (or no such) is a 404. */
  work(id: string): Promise<TranslationWork> {
    return this.db.transaction((tx) => this.load(tx, id));
  }

  /** Saves the translator's text; a released translation is final. Returns the new revision. */
  save(id: string, input: TranslatedText): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { translation } = await this.load(tx, id);
      if (translation.status === 'released') throw new InvalidInput({ translation: msg('opinions.translation.alreadyReleased') });
      const text = this.checked(input, translation.text);
      await tx.update(OpinionTranslation, { tenantId: translation.tenantId, id }, { text, revision: translation.revision + 1 });
      return translation.revision + 1;
    });
  }

  /**
   * Saves and releases: every part the physician wrote must have its translation. Returns the opinion to deliver
   * (the caller delivers it: the letter is rendered with both versions).
   */
  release(id: string, input: TranslatedText): Promise<{ opinionId: string }> {
    return this.db.transaction(async (tx) => {
      const { translation, opinion } = await this.load(tx, id);
      if (translation.status === 'released') throw new InvalidInput({ translation: msg('opinions.translation.alreadyReleased') });
      const text = this.checked(input, translation.text);
      const original = originalText(opinion);
      const problems: FieldProblems = {};
      for (const f of TRANSLATED_FIELDS) if (original[f] && !text[f]) problems[FIELD_NAMES[f]] = msg('opinions.translation.missing');
      original.answers.forEach((a, i) => {
        if (a && !text.answers[i]) problems[`answer_${i}`] = msg('opinions.translation.missing');
      });
      if (Object.keys(problems).length) throw new InvalidInput(problems);
      await tx.update(
        OpinionTranslation,
        { tenantId: translation.tenantId, id },
        { text, revision: translation.revision + 1, status: 'released', translatorId: this.context.actor()!.id, releasedAt: new Date() },
      );
      return { opinionId: opinion.id };
    });
  }

  private async load(tx: EntityManager, id: string): Promise<TranslationWork> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound();
    const translation = await tx.findOne(OpinionTranslation, { where: { id } });
    if (!translation) throw new NotFound();
    const opinion = await tx.findOneByOrFail(Opinion, { id: translation.opinionId });
    const c = await tx.findOneByOrFail(Case, { id: translation.caseId });
    return { translation, opinion, caseNumber: c.number };
  }

  /** The form's text, trimmed and within the limit; answers keep the original's count. */
  private checked(input: TranslatedText, current: TranslatedText): TranslatedText {
    const problems: FieldProblems = {};
    const text = (value: string | undefined, name: string, fallback: string) => {
      if (value === undefined) return fallback;
      if (value.length > LIMIT) problems[name] = msg('opinions.editor.tooLong', { max: LIMIT });
      return value.trim();
    };
    const out = {
      ...(Object.fromEntries(TRANSLATED_FIELDS.map((f) => [f, text(input[f], FIELD_NAMES[f], current[f])])) as Record<TextField, string>),
      answers: current.answers.map((a, i) => text(input.answers[i], `answer_${i}`, a)),
    };
    if (Object.keys(problems).length) throw new InvalidInput(problems);
    return out;
  }
}
