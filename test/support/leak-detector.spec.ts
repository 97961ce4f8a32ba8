import { Translator } from '@consilium/core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectNoLeaks, findLeaks, visibleTexts } from './leak-detector';

describe('the English-leak detector', () => {
  const translator = new Translator();
  beforeAll(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leaks-'));
    writeFileSync(
      path.join(dir, 'en.json'),
      JSON.stringify({ summary: 'Please correct the following', count: '{n, plural, one {# file} other {# files}}' }),
    );
    writeFileSync(
      path.join(dir, 'es.json'),
      JSON.stringify({ summary: 'Corrija lo siguiente', count: '{n, plural, one {# archivo} other {# archivos}}' }),
    );
    translator.register('demo', dir);
  });

  it('reads text, titles and the attributes people hear, not scripts, code or declared data', () => {
    const texts = visibleTexts(
      '<title>Inicio</title><script>var english = "leak";</script><img alt="Retrato"><button aria-label="Cerrar">x</button>' +
        '<code>cases.read</code><td translate="no">10.0.0.1 Smith</td><input type="submit" value="Enviar"><p>Hola &amp; adiós</p>',
    );
    expect(texts).toEqual(expect.arrayContaining(['Inicio', 'Retrato', 'Cerrar', 'Enviar', 'Hola & adiós']));
    expect(texts.join(' ')).not.toMatch(/english|leak|cases|Smith/);
  });

  it('passes a page in its own language, with plural branches, dates and the data it is told about', () => {
    const html = `<h2>Corrija lo siguiente</h2><p>3 archivos · 15 de ene de 2027</p><p>Dra. Rosa Ortega</p>`;
    expect(findLeaks(html, { locale: 'es', translator, allow: ['Dra. Rosa Ortega'] })).toEqual([]);
  });

  it('takes French sizes and pounds, and catches an English size in French ("£GB" does not make "GB" French)', () => {
    const gb = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'GBP' }).format(1234.5);
    expect(gb).toContain('£GB');
    expect(findLeaks(`<p>10,7 Go · ${gb}</p>`, { locale: 'fr', translator })).toEqual([]);
    expect(findLeaks('<p>10.7 GB</p>', { locale: 'fr', translator }).map((l) => l.word)).toEqual(['gb']);
    // The English page still reads its own sizes.
    expect(findLeaks('<p>10.7 GB</p>', { locale: 'en', translator })).toEqual([]);
  });

  it('fails on English left in a Spanish page, and says which catalog it came from', () => {
    const html = '<h2>Please correct the following</h2><p>Corrija lo siguiente</p><span>Error: something broke</span>';
    const leaks = findLeaks(html, { locale: 'es', translator });
    expect(leaks.map((l) => l.word)).toEqual(expect.arrayContaining(['please', 'correct', 'following', 'something', 'broke']));
    expect(leaks.find((l) => l.word === 'please')!.from).toEqual(['en']);
    expect(leaks.find((l) => l.word === 'broke')!.from).toEqual([]);
    expect(() => expectNoLeaks(html, { locale: 'es', translator, page: '/sign-up' })).toThrow(
      /"please" in "Please correct the following" \(from the en catalog\)/,
    );
  });
});
