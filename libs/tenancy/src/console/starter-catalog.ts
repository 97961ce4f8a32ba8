import { currencyDigits } from '@consilium/core';
import type { BlueprintInput } from '../blueprint/blueprint.schema';

type Words = { en: string; es: string; fr: string };
type Localized = string | Record<string, string>;

/**
 * The built-in "general second-opinion program" the onboarding wizard may copy: three common specialties, an
 * offering in each with the questions most programs ask, in English, Spanish and French. It is a starting point the
 * hospital's admin edits in the console (prices, turnaround, questions); nothing of it is sold until a physician
 * who can take the case is on the roster.
 */
const SPECIALTIES: { slug: string; name: Words; summary: Words; offering: { name: Words; description: Words; questions: Question[] } }[] = [
  {
    slug: 'oncology',
    name: { en: 'Oncology', es: 'Oncología', fr: 'Oncologie' },
    summary: {
      en: 'A cancer specialist reviews your diagnosis and treatment plan.',
      es: 'Un especialista en cáncer revisa su diagnóstico y su plan de tratamiento.',
      fr: 'Un cancérologue examine votre diagnostic et votre plan de traitement.',
    },
    offering: {
      name: {
        en: 'Cancer diagnosis and treatment review',
        es: 'Revisión de diagnóstico y tratamiento de cáncer',
        fr: 'Avis sur un diagnostic et un traitement de cancer',
      },
      description: {
        en: 'A written opinion on your pathology, imaging and proposed treatment.',
        es: 'Una opinión escrita sobre su patología, sus imágenes y el tratamiento propuesto.',
        fr: 'Un avis écrit sur votre anatomopathologie, votre imagerie et le traitement proposé.',
      },
      questions: ['diagnosis', 'biopsy', 'treatment'],
    },
  },
  {
    slug: 'cardiology',
    name: { en: 'Cardiology', es: 'Cardiología', fr: 'Cardiologie' },
    summary: {
      en: 'A heart specialist reviews your tests and the procedure proposed to you.',
      es: 'Un especialista del corazón revisa sus pruebas y el procedimiento que le proponen.',
      fr: 'Un cardiologue examine vos examens et l’intervention qui vous est proposée.',
    },
    offering: {
      name: { en: 'Heart procedure review', es: 'Revisión de procedimiento cardíaco', fr: 'Avis sur une intervention cardiaque' },
      description: {
        en: 'A written opinion on whether the proposed procedure is right for you.',
        es: 'Una opinión escrita sobre si el procedimiento propuesto es adecuado para usted.',
        fr: 'Un avis écrit sur l’intervention proposée : est-elle la bonne pour vous ?',
      },
      questions: ['diagnosis', 'procedure', 'treatment'],
    },
  },
  {
    slug: 'orthopedics',
    name: { en: 'Orthopedics', es: 'Ortopedia', fr: 'Orthopédie' },
    summary: {
      en: 'A bone and joint specialist reviews your imaging and a proposed surgery.',
      es: 'Un especialista en huesos y articulaciones revisa sus imágenes y una cirugía propuesta.',
      fr: 'Un spécialiste des os et des articulations examine votre imagerie et une opération proposée.',
    },
    offering: {
      name: {
        en: 'Surgery recommendation review',
        es: 'Revisión de una recomendación de cirugía',
        fr: 'Avis sur une recommandation d’opération',
      },
      description: {
        en: 'A written opinion on the surgery recommended to you and its alternatives.',
        es: 'Una opinión escrita sobre la cirugía que le recomiendan y sus alternativas.',
        fr: 'Un avis écrit sur l’opération recommandée et ses alternatives.',
      },
      questions: ['diagnosis', 'procedure', 'treatment'],
    },
  },
];

type Question = 'diagnosis' | 'biopsy' | 'procedure' | 'treatment';

const QUESTIONS: Record<
  Question,
  { type: 'long_text' | 'yes_no' | 'choice'; required: boolean; label: Words; options?: { value: string; label: Words }[] }
> = {
  diagnosis: {
    type: 'long_text',
    required: true,
    label: {
      en: 'What diagnosis were you given, and by whom?',
      es: '¿Qué diagnóstico le dieron y quién se lo dio?',
      fr: 'Quel diagnostic vous a-t-on donné, et qui l’a posé ?',
    },
  },
  biopsy: {
    type: 'choice',
    required: true,
    label: { en: 'Has a biopsy been done?', es: '¿Le han hecho una biopsia?', fr: 'Une biopsie a-t-elle été faite ?' },
    options: [
      { value: 'yes', label: { en: 'Yes', es: 'Sí', fr: 'Oui' } },
      { value: 'no', label: { en: 'No', es: 'No', fr: 'Non' } },
      { value: 'not-sure', label: { en: 'Not sure', es: 'No estoy seguro', fr: 'Je ne sais pas' } },
    ],
  },
  procedure: {
    type: 'long_text',
    required: true,
    label: {
      en: 'Which procedure or surgery was proposed to you?',
      es: '¿Qué procedimiento o cirugía le propusieron?',
      fr: 'Quelle intervention ou opération vous a-t-on proposée ?',
    },
  },
  treatment: {
    type: 'yes_no',
    required: false,
    label: { en: 'Have you started treatment?', es: '¿Ha empezado un tratamiento?', fr: 'Avez-vous commencé un traitement ?' },
  },
};

/** `words` in the hospital's languages: one string for one language, else per language (English where we have none). */
function inLocales(words: Words, locales: string[]): Localized {
  const pick = (l: string) => words[l.slice(0, 2) as keyof Words] ?? words.en;
  return locales.length === 1 ? pick(locales[0]) : Object.fromEntries(locales.map((l) => [l, pick(l)]));
}

/** The template as the blueprint's `specialties:` and `offerings:`, in the hospital's languages and currency. */
export function starterCatalog(locales: string[], currency: string): Pick<BlueprintInput, 'specialties' | 'offerings'> {
  const price = currencyDigits(currency) ? '950.00' : '950';
  return {
    specialties: SPECIALTIES.map((s) => ({ slug: s.slug, name: inLocales(s.name, locales), summary: inLocales(s.summary, locales) })),
    offerings: SPECIALTIES.map((s) => ({
      slug: `${s.slug}-review`,
      specialty: s.slug,
      name: inLocales(s.offering.name, locales),
      description: inLocales(s.offering.description, locales),
      price,
      turnaround_days: 7,
      follow_up_questions: 1,
      intake_questions: s.offering.questions.map((key) => {
        const q = QUESTIONS[key];
        return {
          key,
          type: q.type,
          required: q.required,
          label: inLocales(q.label, locales),
          ...(q.options ? { options: q.options.map((o) => ({ value: o.value, label: inLocales(o.label, locales) })) } : {}),
        };
      }),
    })),
  };
}
