import { platformLocales, Translator } from '@consilium/core';
import path from 'node:path';
import { ArchiveTooManyFiles, DicomUnsupported, FileDamaged, RecordsError, UploadTooLarge } from './records.errors';

describe('records refusals', () => {
  const translator = new Translator();
  beforeAll(() => translator.register('records', path.join(__dirname, 'views', 'i18n')));

  it.each(platformLocales())('every code has a message and a hint in %s', (locale) => {
    const missing = Object.keys(RecordsError.statuses).flatMap((code) =>
      ['message', 'hint'].filter((part) => !translator.has(`records.errors.${code}.${part}`, locale)).map((part) => `${code}.${part}`),
    );
    expect(missing).toEqual([]);
  });

  it('words a refusal with its limit in the reader’s language and units', () => {
    const words = (error: InstanceType<typeof RecordsError>, locale: string) =>
      translator.t(error.messageKey!, locale, error.values).replace(/\s/g, ' ');
    expect(words(new UploadTooLarge(8 * 1024 * 1024), 'en')).toBe('This file is larger than the 8 MB we can accept for one file.');
    expect(words(new UploadTooLarge(8 * 1024 * 1024), 'fr')).toBe('Ce fichier dépasse les 8 Mo que nous pouvons accepter par fichier.');
    expect(words(new ArchiveTooManyFiles(5000), 'es')).toBe(
      'Este archivo ZIP contiene más de 5000 archivos, más de los que podemos abrir a la vez.',
    );
    expect(words(new FileDamaged('image'), 'fr')).toBe('Cette image est endommagée et ne peut pas être ouverte.');
    expect(words(new DicomUnsupported('deflated'), 'en')).toBe('This imaging (DICOM) file is compressed in a way we cannot check.');
  });
});
