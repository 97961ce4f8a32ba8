import { blueprintSchema } from './blueprint.schema';

const base = {
  slug: 'quebec',
  name: 'Hôpital de Québec',
  case_prefix: 'QC',
  time_zone: 'America/Toronto',
  currency: 'CAD',
  branding: { logo: 'assets/logo.svg', colors: { primary: '#123456', accent: '#abcdef' } },
  licensure: { unlicensed_states: 'decline', international: 'decline' },
  specialties: [{ slug: 'cardio', name: { fr: 'Cardiologie', en: 'Cardiology' }, summary: { fr: 'Le cœur.', en: 'The heart.' } }],
  offerings: [
    {
      slug: 'review',
      specialty: 'cardio',
      name: { fr: 'Révision', en: 'Review' },
      description: { fr: 'Un avis.', en: 'An opinion.' },
      price: '500.00',
      turnaround_days: 5,
    },
  ],
};

describe('a blueprint’s languages are the platform’s catalogs', () => {
  it('accepts a French-speaking hospital with Canadian formats', () => {
    const parsed = blueprintSchema.safeParse({ ...base, locales: ['fr-CA', 'en'], default_locale: 'fr-CA' });
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('says once, where it is listed, which languages exist when one does not', () => {
    const parsed = blueprintSchema.safeParse({ ...base, locales: ['fr', 'de'], default_locale: 'fr' });
    expect(parsed.success).toBe(false);
    const messages = parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(['locales.1: de is not a platform language: use one of en, es, fr (optionally with a region, e.g. fr-CA)']);
  });

  it('still asks for every listed language’s text', () => {
    const parsed = blueprintSchema.safeParse({ ...base, locales: ['fr', 'es'], default_locale: 'fr' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.some((i) => /needs its es text too/.test(i.message))).toBe(true);
  });
});
