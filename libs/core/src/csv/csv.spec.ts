import { csvStream, defuseFormula, toCsv } from './csv';

describe('the CSV writer every export uses', () => {
  it('defuses every cell a spreadsheet would run as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']) {
      expect(defuseFormula(`${start}HYPERLINK("http://x")`)).toBe(`'${start}HYPERLINK("http://x")`);
    }
    expect(defuseFormula("-2+3+cmd|' /C calc'!A0")).toBe("'-2+3+cmd|' /C calc'!A0");
    expect(defuseFormula('plain text')).toBe('plain text');
    expect(defuseFormula('a=b')).toBe('a=b');
  });

  it('leaves plain numbers alone, negative ones included, so they still sum', () => {
    expect(toCsv([[-12.5, '-12.50', '-3', 0, '']])).toBe('-12.5,-12.50,-3,0,\r\n');
  });

  it('quotes what needs it (RFC 4180) after defusing, with CRLF between records', () => {
    const csv = toCsv([
      ['name', 'note'],
      ['=1+1', 'a, "b"\nc'],
      ['\tTAB', '\rCR'],
      ['a\nb', 'c\rd'],
    ]);
    expect(csv).toBe('name,note\r\n\'=1+1,"a, ""b""\nc"\r\n\'\tTAB,"\'\rCR"\r\n"a\nb","c\rd"\r\n');
  });

  it('writes dates as ISO 8601, booleans as words, and nothing for null or undefined', () => {
    expect(toCsv([[new Date('2026-01-02T03:04:05Z'), true, false, null, undefined, 10n]])).toBe(
      '2026-01-02T03:04:05.000Z,true,false,,,10\r\n',
    );
  });

  it('streams the same text, row by row', async () => {
    async function* rows() {
      yield await Promise.resolve(['a', 'b']);
      yield ['@x', 2];
    }
    let text = '';
    for await (const chunk of csvStream(rows())) text += String(chunk);
    expect(text).toBe("a,b\r\n'@x,2\r\n");
  });

  it('ends the stream with an error when reading the rows fails', async () => {
    async function* rows() {
      yield await Promise.resolve(['a']);
      throw new Error('database gone');
    }
    const read = async () => {
      for await (const chunk of csvStream(rows())) void chunk;
    };
    await expect(read()).rejects.toThrow(/database gone/);
  });
});
