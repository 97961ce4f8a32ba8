import { z } from 'zod';
import { InvalidInput } from '../errors/domain-error';
import { LanguageName } from '../i18n/translator';
import { checkForm, field, parseForm } from './forms';

describe('parseForm: one form reader, messages by key', () => {
  const form = z.object({
    name: field.text({ required: 'demo.nameRequired' }),
    email: field.email(),
    capacity: field.whole(0, 100),
    price: field.money('USD'),
    discount: field.money('USD', { optional: true, negative: true }),
    accepting: field.checkbox(),
    roles: field.choices(['admin', 'physician'], { min: 1 }),
    title: field.localized(['en', 'fr'], { max: 10 }),
    license: field.rows(z.object({ number: field.text(), expires: field.date() })),
  });

  it('gives typed values: trimmed text, numbers, minor units, lists, text per language, rows', () => {
    const data = parseForm(form, {
      name: '  Rosa ',
      email: 'rosa@example.org',
      capacity: '7',
      price: '950.5',
      discount: '-20',
      accepting: '1',
      roles: 'admin',
      title_en: 'Doctor',
      title_fr: 'Médecin',
      license_0_number: 'A-1',
      license_0_expires: '2030-01-31',
      license_3_number: '',
      license_3_expires: '',
      license_5_number: 'gone',
      license_5_expires: '2030-01-31',
      license_5_remove: '1',
    });
    expect(data).toEqual({
      name: 'Rosa',
      email: 'rosa@example.org',
      capacity: 7,
      price: 95050,
      discount: -2000,
      accepting: true,
      roles: ['admin'],
      title: { en: 'Doctor', fr: 'Médecin' },
      license: [{ index: 0, number: 'A-1', expires: '2030-01-31' }],
    });
  });

  it('refuses with a key and its values beside each flat field name, never English', () => {
    const checked = checkForm(form, {
      email: 'nope',
      capacity: '500',
      price: '-1',
      title_en: 'Far too long a title',
      license_0_number: 'A-1',
      license_0_expires: '31/01/2030',
    });
    expect(checked.ok).toBe(false);
    const problems = (checked as { problems: Record<string, unknown> }).problems;
    expect(problems).toMatchObject({
      name: { key: 'demo.nameRequired' },
      email: { key: 'core.form.email' },
      capacity: { key: 'core.form.whole', values: { min: 0, max: 100 } },
      price: { key: 'core.form.amountNegative' },
      roles: { key: 'core.form.chooseAtLeastOne' },
      title_en: { key: 'core.form.tooLong', values: { max: 10 } },
      title_fr: { key: 'core.form.textIn', values: { language: new LanguageName('fr') } },
      license_0_expires: { key: 'core.form.date' },
    });
    expect(() => parseForm(form, {})).toThrow(InvalidInput);
  });
});
