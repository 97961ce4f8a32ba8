import { Injectable } from '@nestjs/common';
import { StipendLedger } from '@consilium/billing';
import { Case, CaseNotices, CasePipeline, CaseSubjects, CheckIns, LocalPhysicianInvitations } from '@consilium/cases';

import { AppConfig, Clock, first, one, TenantDatabase, todayIn, Translator } from '@consilium/core';
import { signPdf } from '@consilium/documents';
import { ResolvedTenant, TenantAsset } from '@consilium/tenancy';
import { createHash } from 'node:crypto';
import { attributionWords, OpinionAttributions } from './opinion-attribution';
import { Opinion } from './opinion.entity';
import { LetterTranslation, renderOpinionLetter } from './opinion-letter';
import { OpinionTranslations } from './translation/opinion-translations.service';

/**
 * Renders a signed opinion's letter and delivers it. Idempotent, so a job may run it twice: the letter is stored
 * once per version (unique), the case moves to delivered only from opinion_signed, the event is written once.
 */
@Injectable()
export class OpinionDelivery {
  constructor(
    private readonly db: TenantDatabase,
    private readonly pipeline: CasePipeline,
    private readonly checkIns: CheckIns,
    private readonly notices: CaseNotices,
    private readonly invitations: LocalPhysicianInvitations,
    private readonly stipends: StipendLedger,
    private readonly clock: Clock,
    private readonly translator: Translator,
    private readonly translations: OpinionTranslations,
    private readonly attributions: OpinionAttributions,
    private readonly subjects: CaseSubjects,
    private readonly config: AppConfig,
  ) {}

  /**
   * A version whose case bought the translation waits for its translator: the machine drafts it here, and the
   * translator's release calls this again, which then renders the letter with both versions and delivers.
   */
  async deliver(tenant: ResolvedTenant, opinionId: string): Promise<{ delivered: boolean; translating?: boolean }> {
    await this.translations.prepare(tenant, opinionId);
    return this.db.forTenant(tenant.id, async (tx) => {
      const opinion = await tx.findOne(Opinion, { where: { id: opinionId, status: 'signed' } });
      if (!opinion) return { delivered: false };
      const c = await tx
        .getRepository(Case)
        .createQueryBuilder('c')
        .setLock('pessimistic_write')
        .where('c.id = :id', { id: opinion.caseId })
        .getOneOrFail();
      let translation: LetterTranslation | undefined;
      if (await this.translations.targetFor(tx, tenant, c)) {
        const t = await this.translations.forOpinion(tx, opinion.id);
        if (t?.status !== 'released') return { delivered: false, translating: true };
        const by = await one<{ name: string }>(tx, 'SELECT name FROM accounts WHERE id = $1', [t.translatorId]);
        translation = {
          text: t.text,
          sourceLocale: t.sourceLocale,
          targetLocale: t.targetLocale,
          translatorName: by.name,
          releasedAt: t.releasedAt!,
        };
      }
      const existing = await first(tx, 'SELECT 1 FROM opinion_letters WHERE opinion_id = $1', [opinion.id]);
      if (!existing) {
        const people = await one<{ patient: string; locale: string | null }>(
          tx,
          'SELECT p.name AS patient, p.locale FROM accounts p WHERE p.id = $1',
          [c.patientId],
        );
        // The letter is written in the patient's language when the hospital serves it (the translation's, if any).
        const locale =
          translation?.targetLocale ?? (people.locale && tenant.locales.includes(people.locale) ? people.locale : tenant.defaultLocale);
        // A parent's or caregiver's request: the letter is the patient's, and says who asked for it.
        const subject = await this.subjects.of(tx, c);
        const proxy = subject?.forWhom !== 'self' && subject?.patientName ? subject : null;
        const attribution = attributionWords(await this.attributions.of(tx, tenant, c, opinion), locale, tenant.defaultLocale);
        const logo = await tx.findOne(TenantAsset, { where: { name: tenant.branding.logo } });
        const letter = await renderOpinionLetter(opinion, {
          letterhead: {
            hospitalName: tenant.name,
            address: tenant.profile.contact?.address,
            phone: tenant.profile.contact?.phone,
            email: tenant.profile.contact?.email,
            primaryColor: tenant.branding.colors.primary,
            accentColor: tenant.branding.colors.accent,
            logo: logo ? { contentType: logo.contentType, bytes: logo.bytes } : undefined,
          },
          caseNumber: c.number,
          patientName: proxy?.patientName ?? people.patient,
          requestedBy: proxy
            ? {
                name: people.patient,
                relationship: this.translator.t(`cases.subject.relationship.${proxy.relationship}`, locale),
              }
            : undefined,
          attribution,
          route: c.routeOverride?.route ?? c.route ?? 'direct',
          localPhysicianName: c.localPhysician?.name,
          jurisdiction: c.jurisdiction,
          locale,
          translation,
          timeZone: tenant.timeZone,
          translator: this.translator,
          appointmentUrl: `${this.config.originFor(tenant.primaryHost)}/account/cases/${c.id}/appointment`,
        });
        // Signed with the platform's (or hospital's) key: a reader shows who signed it, and any change breaks it.
        const pdf = await signPdf(letter, this.config.letterSigningKey, {
          reason: this.translator.t('opinions.letter.signatureReason', locale, { number: c.number }),
          name: tenant.name,
          location: tenant.name,
          contactInfo: tenant.profile.contact?.email ?? '',
        });
        await tx.query(
          'INSERT INTO opinion_letters (tenant_id, opinion_id, pdf, sha256) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, opinion_id) DO NOTHING',
          [tenant.id, opinion.id, pdf, createHash('sha256').update(pdf).digest('hex')],
        );
      }
      if (c.state === 'opinion_signed') {
        await this.pipeline.move(tx, c.id, 'deliver', 'system', { data: { opinionId: opinion.id } });
        await this.pipeline.record(tx, c, { type: 'opinion_ready', data: { opinionId: opinion.id, version: opinion.version } }, null);
        // The 30- and 90-day check-ins count from delivery, by the Clock (a test delivers a month ago).
        await this.checkIns.schedule(tx, c, this.clock.now());
        await this.invitations.inviteOnce(tx, c);
        // Unique per case: a second run of delivery (or an amendment) accrues nothing more.
        await this.stipends.accrue(tx, {
          tenantId: tenant.id,
          caseId: c.id,
          opinionId: opinion.id,
          signedBy: opinion.signedBy!,
          day: todayIn(tenant.timeZone),
        });
        return { delivered: true };
      }
      if (!existing && opinion.version > 1) {
        await this.pipeline.record(tx, c, { type: 'opinion_ready', data: { opinionId: opinion.id, version: opinion.version } }, null);
        await this.notices.opinionReady(tx, c);
        return { delivered: true };
      }
      return { delivered: false };
    });
  }

  /** The delivered letter of the latest signed version (or a given one). */
  letter(opinionId: string): Promise<Buffer | null> {
    return this.db.transaction(async (tx) => {
      const row = await first<{ pdf: Buffer }>(tx, 'SELECT pdf FROM opinion_letters WHERE opinion_id = $1', [opinionId]);
      return row?.pdf ?? null;
    });
  }
}
