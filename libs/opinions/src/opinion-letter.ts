import { emergencyNumber } from '@consilium/core';
import { BrandedPdf, Letterhead } from '@consilium/documents';
import type { LicensureRoute } from '@consilium/cases';
import { Opinion } from './opinion.entity';

export interface LetterContext {
  letterhead: Letterhead;
  caseNumber: string;
  patientName: string;
  physician: { name: string; credentials?: string };
  route: LicensureRoute;
  localPhysicianName?: string;
  /** Where the patient lives (`US-IL`, `MX`): the emergency number the letter gives is that country's. */
  jurisdiction?: string | null;
  locale: string;
  timeZone: string;
}

const AGREEMENT_TEXT = {
  confirmed: 'The diagnosis you were given is confirmed.',
  refined: 'The diagnosis you were given is confirmed, with refinements described below.',
  changed: 'After review, the diagnosis differs from the one you were given, as described below.',
} as const;

/**
 * The disclaimer each licensure route requires, printed in the letter and at the foot of every page; the emergency
 * number is the one of the country the patient lives in (`jurisdiction`).
 */
export function routeDisclaimer(
  route: LicensureRoute,
  hospitalName: string,
  localPhysician?: string,
  jurisdiction?: string | null,
): string {
  switch (route) {
    case 'educational':
      return `Educational opinion: it informs you and your physician and does not establish a physician-patient relationship with ${hospitalName}. Your own physician remains responsible for your care.`;
    case 'physician_to_physician':
      return `Physician-to-physician consultation addressed to ${localPhysician ?? 'your local physician'}, who remains responsible for your care.`;
    default:
      return `Second opinion by a physician of ${hospitalName}. It does not replace emergency care: in an emergency call ${emergencyNumber(jurisdiction)}.`;
  }
}

/** The branded letter of one signed opinion version. Deterministic for a given version and context. */
export async function renderOpinionLetter(opinion: Opinion, ctx: LetterContext): Promise<Buffer> {
  const disclaimer = routeDisclaimer(ctx.route, ctx.letterhead.hospitalName, ctx.localPhysicianName, ctx.jurisdiction);
  const pdf = new BrandedPdf(
    { ...ctx.letterhead, footer: `${ctx.caseNumber} · ${disclaimer}` },
    {
      title: opinion.version > 1 ? `Second opinion (amended, version ${opinion.version})` : 'Second opinion',
      date: opinion.signedAt ?? new Date(),
      locale: ctx.locale,
      timeZone: ctx.timeZone,
    },
  );
  pdf.field('Patient', ctx.patientName).field('Request', ctx.caseNumber);
  if (ctx.route === 'physician_to_physician' && ctx.localPhysicianName) pdf.field('Addressed to', ctx.localPhysicianName);
  pdf.paragraph(disclaimer, { italic: true, size: 10 });
  if (opinion.amendmentReason) pdf.heading('Why this opinion was amended').paragraph(opinion.amendmentReason);
  pdf.heading('In plain words').paragraph(opinion.patientSummary);
  pdf.heading('Diagnosis').paragraph(AGREEMENT_TEXT[opinion.diagnosisAgreement ?? 'confirmed']);
  if (opinion.diagnosisNote) pdf.paragraph(opinion.diagnosisNote);
  pdf
    .heading('Treatment')
    .paragraph(
      opinion.treatmentChanged
        ? 'A change to the proposed treatment is recommended.'
        : 'The proposed treatment is appropriate; no change is recommended.',
    );
  pdf.heading('Recommendations').paragraph(opinion.recommendations);
  if (opinion.alternatives) pdf.heading('Alternatives').paragraph(opinion.alternatives);
  if (opinion.clinicalTrials) pdf.heading('Clinical trials').paragraph(opinion.clinicalTrials);
  if (opinion.answers.length) {
    pdf.heading('Your questions');
    for (const qa of opinion.answers) pdf.paragraph(`Q: ${qa.question}`, { italic: true }).paragraph(qa.answer);
  }
  pdf.signature({
    name: ctx.physician.name,
    detail: [ctx.physician.credentials ?? '', ctx.letterhead.hospitalName].filter(Boolean),
    signedAt: opinion.signedAt ?? undefined,
  });
  return pdf.toBuffer();
}
