import { IntakeQuestion } from '@consilium/catalog';
import { LocalPhysician } from '@consilium/cases';
import { InvalidInput, readForm } from '@consilium/core';
import { isCountry, jurisdictionName, localize, sortJurisdictions } from '@consilium/tenancy';
import { z } from 'zod';
import type { IntakeChoice } from './intake-planner';
import type { IntakeDetails } from './intake-drafts.service';

/** The most questions a patient can ask in one request: a reviewer answers each one. */
export const MAX_QUESTIONS = 5;

type Body = Record<string, unknown>;

/** A posted field as text: a field is a string, a repeated one an array of them (joined, as String() joins). */
export function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(fieldText).join(',');
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(fieldText);
  return value === undefined || value === '' ? [] : [fieldText(value)];
}

/** Step one: offering, add-ons, where the patient lives (a US state, or "outside the US" and a country). */
export function readChoice(body: Body): IntakeChoice {
  const offering = fieldText(body.offering).trim();
  const jurisdiction =
    fieldText(body.jurisdiction).trim() === 'other' ? fieldText(body.country).trim() || 'other' : fieldText(body.jurisdiction).trim();
  const physician = fieldText(body.physician).trim();
  return { offering, addOns: [...new Set(list(body.add_ons))], jurisdiction, ...(physician ? { physician } : {}) };
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

const detailsForm = z.object({
  diagnosis: z
    .string()
    .trim()
    .min(1, 'Tell us the diagnosis you were given, or your symptoms if you have no diagnosis yet.')
    .max(4000, 'Keep this under 4,000 characters; you can send details as records.'),
  proposed_treatment: z
    .string()
    .trim()
    .max(4000, 'Keep this under 4,000 characters; you can send details as records.')
    .optional()
    .default(''),
});

/** Step two: the questions (one per box), diagnosis, proposed treatment, and the offering's own questions. */
export function readDetails(body: Body, offeringQuestions: IntakeQuestion[], locale = 'en'): IntakeDetails {
  const errors: Record<string, string> = {};
  const questions = list(body.questions)
    .map((q) => q.trim())
    .filter(Boolean);
  if (!questions.length) errors.questions = 'Write at least one question you want the specialist to answer.';
  else if (questions.length > MAX_QUESTIONS)
    errors.questions = `Ask at most ${MAX_QUESTIONS} questions; you can add detail in a message later.`;
  else if (questions.some((q) => q.length > 1000)) errors.questions = 'Keep each question under 1,000 characters.';
  const form = readForm(detailsForm, body);
  if (!form.ok) Object.assign(errors, form.errors);
  const answers: Record<string, string> = {};
  for (const q of offeringQuestions) {
    const raw = fieldText(body[`answer_${q.key}`]).trim();
    const field = `answer_${q.key}`;
    if (!raw) {
      if (q.required) errors[field] = `Please answer: ${localize(q.label, locale) ?? q.key}`;
      continue;
    }
    if (raw.length > 4000) errors[field] = 'Keep this under 4,000 characters.';
    else if (q.type === 'number' && !/^-?\d+(\.\d+)?$/.test(raw)) errors[field] = 'Enter a number, like 12.';
    else if (q.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(raw)) errors[field] = 'Enter a date like 2024-03-31.';
    else if (q.type === 'yes_no' && raw !== 'yes' && raw !== 'no') errors[field] = 'Choose yes or no.';
    else if (q.type === 'choice' && !q.options?.some((o) => o.value === raw)) errors[field] = 'Choose one of the options.';
    answers[q.key] = raw;
  }
  if (Object.keys(errors).length) throw new InvalidInput(errors);
  const data = form.ok ? form.data : { diagnosis: '', proposed_treatment: '' };
  return { questions, diagnosis: data.diagnosis, proposedTreatment: data.proposed_treatment || null, answers };
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

export function bodyDetails(body: Body): {
  questions: string[];
  diagnosis: string;
  proposedTreatment: string;
  answers: Record<string, string>;
} {
  const answers: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (key.startsWith('answer_')) answers[key.slice(7)] = fieldText(value);
  return {
    questions: list(body.questions),
    diagnosis: fieldText(body.diagnosis),
    proposedTreatment: fieldText(body.proposed_treatment),
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
            { value: 'yes', label: locale === 'es' ? 'Sí' : 'Yes' },
            { value: 'no', label: 'No' },
          ]
        : (q.options ?? []).map((o) => ({ value: o.value, label: localize(o.label, locale, fallback) })),
    isText: q.type === 'text' || q.type === 'number' || q.type === 'date',
    isLong: q.type === 'long_text',
    isChoice: q.type === 'choice' || q.type === 'yes_no',
  }));
}

const physicianForm = z.object({
  name: z.string().trim().min(1, 'Enter your physician’s full name.').max(200),
  email: z.email('Enter your physician’s email address, like name@clinic.example.').max(254),
  phone: z
    .string()
    .trim()
    .max(40)
    .regex(/^[+()\d\s.-]*$/, 'Enter a phone number with digits only, like +1 312 555 0100.')
    .optional()
    .default(''),
  npi: z
    .string()
    .trim()
    .optional()
    .default('')
    .refine((v) => v === '' || validNpi(v), 'An NPI is 10 digits (check it on the physician’s letterhead), or leave it empty.'),
});

export function readLocalPhysician(body: Body): LocalPhysician {
  const form = readForm(physicianForm, body);
  if (!form.ok) throw new InvalidInput(form.errors);
  const { name, email, phone, npi } = form.data;
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
