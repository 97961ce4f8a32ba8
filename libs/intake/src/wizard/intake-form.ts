import { IntakeQuestion } from '@consilium/catalog';
import { LocalPhysician } from '@consilium/cases';
import { checkForm, field, FormBody, InvalidInput, isCalendarDate, parseForm } from '@consilium/core';
import { isCountry, jurisdictionName, localize, sortJurisdictions } from '@consilium/tenancy';
import { z } from 'zod';
import type { IntakeChoice } from './intake-planner';
import type { IntakeDetails } from './intake-drafts.service';
import { SubjectAnswer, subjectForm } from './subject-form';

/** The most questions a patient can ask in one request: a reviewer answers each one. */
export const MAX_QUESTIONS = 5;
const QUESTION_MAX = 1000;
const TEXT_MAX = 4000;

type Body = FormBody | Record<string, unknown>;

/** Step one: offering, add-ons, where the patient lives (a US state, or "outside the US" and a country). */
const choiceForm = z
  .object({
    offering: field.text({ optional: true }),
    add_ons: field.list(),
    jurisdiction: field.text({ optional: true, max: 10 }),
    country: field.text({ optional: true, max: 10 }),
    physician: field.text({ optional: true }),
  })
  .transform((f): IntakeChoice => ({
    offering: f.offering,
    addOns: [...new Set(f.add_ons)],
    jurisdiction: f.jurisdiction === 'other' ? f.country || 'other' : f.jurisdiction,
    ...(f.physician ? { physician: f.physician } : {}),
  }));

/** Reads the first step; whether the offering and place exist is the planner's to say, beside each field. */
export function readChoice(body: Body): IntakeChoice {
  return parseForm(choiceForm, body);
}

/** The form's values again, for a page that shows the step with what was typed. */
export function choiceValues(choice: IntakeChoice | undefined): Record<string, unknown> {
  if (!choice) return { add_ons: [] };
  const abroad = !!choice.jurisdiction && !choice.jurisdiction.startsWith('US-');
  return {
    offering: choice.offering,
    add_ons: choice.addOns,
    jurisdiction: abroad ? 'other' : choice.jurisdiction,
    country: abroad && choice.jurisdiction !== 'other' ? choice.jurisdiction : '',
    physician: choice.physician ?? '',
  };
}

/** The answer to one of the offering's own questions, checked by its type. */
function answerSchema(q: IntakeQuestion, locale: string) {
  const label = localize(q.label, locale) ?? q.key;
  return field
    .text({ optional: true, max: TEXT_MAX })
    .refine((v) => v !== '' || !q.required, { message: 'intake.form.answerRequired', params: { question: label } })
    .refine((v) => v === '' || q.type !== 'number' || /^-?\d+(\.\d+)?$/.test(v), 'intake.form.answerNumber')
    .refine((v) => v === '' || q.type !== 'date' || isCalendarDate(v), 'intake.form.answerDate')
    .refine((v) => v === '' || q.type !== 'yes_no' || v === 'yes' || v === 'no', 'intake.form.answerYesNo')
    .refine((v) => v === '' || q.type !== 'choice' || !!q.options?.some((o) => o.value === v), 'intake.form.answerChoice');
}

/** Step two: the questions (one per box), diagnosis, proposed treatment, and the offering's own questions. */
export function detailsForm(offeringQuestions: IntakeQuestion[], locale = 'en') {
  return z
    .object({
      questions: field
        .list()
        .pipe(
          z
            .array(z.string().max(QUESTION_MAX, 'intake.form.questionTooLong'))
            .min(1, 'intake.form.questionsRequired')
            .max(MAX_QUESTIONS, 'intake.form.questionsMax'),
        ),
      diagnosis: field.text({ optional: true, max: TEXT_MAX }).refine((v) => v !== '', 'intake.form.diagnosisRequired'),
      proposed_treatment: field.text({ optional: true, max: TEXT_MAX }),
      ...Object.fromEntries(offeringQuestions.map((q) => [`answer_${q.key}`, answerSchema(q, locale)])),
    })
    .transform((f): IntakeDetails => {
      const answers: Record<string, string> = {};
      for (const q of offeringQuestions) {
        const value = (f as Record<string, unknown>)[`answer_${q.key}`];
        if (typeof value === 'string' && value) answers[q.key] = value;
      }
      return { questions: f.questions, diagnosis: f.diagnosis, proposedTreatment: f.proposed_treatment || null, answers };
    });
}

/** The details step: the questions and who the request is for, their problems reported together beside each field. */
export function readDetails(
  body: Body,
  offeringQuestions: IntakeQuestion[],
  locale: string,
  today: string,
): { details: IntakeDetails; subject: SubjectAnswer } {
  const details = checkForm(detailsForm(offeringQuestions, locale), body);
  const subject = checkForm(subjectForm(today), body);
  if (!details.ok || !subject.ok)
    throw new InvalidInput({ ...(subject.ok ? {} : subject.problems), ...(details.ok ? {} : details.problems) });
  return { details: details.data, subject: subject.data };
}

/** What the details page shows: the saved or typed values, with at least one empty question box to fill. */
export function detailsValues(d: {
  questions: string[];
  diagnosis: string | null;
  proposedTreatment: string | null;
  answers: Record<string, string>;
}) {
  const questions = [...d.questions];
  while (questions.length < Math.min(3, MAX_QUESTIONS) || (questions.length < MAX_QUESTIONS && questions.at(-1) !== '')) questions.push('');
  return {
    questions: questions.slice(0, MAX_QUESTIONS),
    diagnosis: d.diagnosis ?? '',
    proposed_treatment: d.proposedTreatment ?? '',
    answers: d.answers,
  };
}

/** The details as typed (a refused form's values), in the shape `detailsValues` takes. */
export function typedDetails(values: Record<string, string | string[]>) {
  const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(',') : (v ?? ''));
  const answers: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (key.startsWith('answer_')) answers[key.slice(7)] = text(value);
  return {
    questions: ([] as string[]).concat(values.questions ?? []),
    diagnosis: text(values.diagnosis),
    proposedTreatment: text(values.proposed_treatment),
    answers,
  };
}

/** The offering's own questions as the page shows them, in the patient's language. */
export function offeringQuestions(questions: IntakeQuestion[], locale: string, fallback: string) {
  return questions.map((q) => ({
    key: q.key,
    field: `answer_${q.key}`,
    type: q.type,
    required: q.required,
    label: localize(q.label, locale, fallback),
    help: localize(q.help, locale, fallback),
    options:
      q.type === 'yes_no'
        ? [
            { value: 'yes', labelKey: 'intake.start.yes' },
            { value: 'no', labelKey: 'intake.start.no' },
          ]
        : (q.options ?? []).map((o) => ({ value: o.value, label: localize(o.label, locale, fallback) })),
    isText: q.type === 'text' || q.type === 'number' || q.type === 'date',
    isLong: q.type === 'long_text',
    isChoice: q.type === 'choice' || q.type === 'yes_no',
  }));
}

const physicianForm = z.object({
  name: field.text({ required: 'intake.form.physicianName' }),
  email: field.email('intake.form.physicianEmail'),
  phone: field.text({ optional: true, max: 40 }).pipe(z.string().regex(/^[+()\d\s.-]*$/, 'intake.form.physicianPhone')),
  npi: field.text({ optional: true }).refine((v) => v === '' || validNpi(v), 'intake.form.npi'),
});

export function readLocalPhysician(body: Body): LocalPhysician {
  const { name, email, phone, npi } = parseForm(physicianForm, body);
  return { name, email: email.toLowerCase(), ...(phone ? { phone } : {}), ...(npi ? { npi } : {}) };
}

/** A US National Provider Identifier: 10 digits, the last a Luhn check digit over `80840` and the first nine. */
export function validNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi}`.split('').map(Number);
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits[i];
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

let countryCodes: string[] | undefined;

/** Every country Intl names, as ISO 3166-1 alpha-2 codes (the United States is chosen by state). */
function allCountries(): string[] {
  if (!countryCodes) {
    const codes: string[] = [];
    for (let a = 65; a <= 90; a++)
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        if (isCountry(code)) codes.push(code);
      }
    countryCodes = codes;
  }
  return countryCodes;
}

const STATE_CODES = [
  'AL',
  'AK',
  'AZ',
  'AR',
  'CA',
  'CO',
  'CT',
  'DE',
  'DC',
  'FL',
  'GA',
  'HI',
  'ID',
  'IL',
  'IN',
  'IA',
  'KS',
  'KY',
  'LA',
  'ME',
  'MD',
  'MA',
  'MI',
  'MN',
  'MS',
  'MO',
  'MT',
  'NE',
  'NV',
  'NH',
  'NJ',
  'NM',
  'NY',
  'NC',
  'ND',
  'OH',
  'OK',
  'OR',
  'PA',
  'RI',
  'SC',
  'SD',
  'TN',
  'TX',
  'UT',
  'VT',
  'VA',
  'WA',
  'WV',
  'WI',
  'WY',
  'PR',
  'GU',
  'VI',
].map((s) => `US-${s}`);

/** The places a patient can choose, named in their language. */
export function placeOptions(locale: string) {
  return {
    states: sortJurisdictions(STATE_CODES, locale).map((code) => ({ code, name: jurisdictionName(code, locale) })),
    countries: sortJurisdictions(allCountries(), locale).map((code) => ({ code, name: jurisdictionName(code, locale) })),
  };
}
