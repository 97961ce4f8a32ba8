import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { normalisePhone } from './sms-consents';
import { isStopText } from './sms-inbound';
import { OutboxSmsTransport } from './sms-transport';

describe('numbers, STOP and the local SMS outbox', () => {
  it('reads a number as typed into E.164, and refuses what cannot be one', () => {
    expect(normalisePhone(' +1 (312) 555-0142 ')).toBe('+13125550142');
    expect(normalisePhone('0033 6 12 34 56 78')).toBe('+33612345678');
    expect(normalisePhone('312 555 0142')).toBeNull();
    expect(normalisePhone('+1 312 abc')).toBeNull();
    expect(normalisePhone('+0123456789')).toBeNull();
  });

  it('takes the first word of a reply as the opt-out keyword, in any case and language', () => {
    for (const text of ['STOP', 'stop', ' Stop. ', 'UNSUBSCRIBE please', 'arrêt', 'BAJA', 'Cancel!'])
      expect([text, isStopText(text)]).toEqual([text, true]);
    for (const text of ['please stop', 'Stopping by tomorrow', 'Yes', '']) expect([text, isStopText(text)]).toEqual([text, false]);
  });

  it('writes each text once under its id in the outbox folder, and writing it again changes nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sms-outbox-'));
    try {
      const outbox = new OutboxSmsTransport(path.join(dir, 'nested'));
      const text = {
        id: 'b3f1c0de-0000-4000-8000-000000000001',
        tenantId: 't',
        template: 'opinion-ready',
        to: '+13125550142',
        body: 'Hi: https://x/y',
      };
      expect(await outbox.send(text)).toEqual({ transport: 'outbox', providerMessageId: text.id });
      const first = readFileSync(path.join(dir, 'nested', `${text.id}.json`), 'utf8');
      await outbox.send(text);
      expect(readFileSync(path.join(dir, 'nested', `${text.id}.json`), 'utf8')).toBe(first);
      expect(JSON.parse(first)).toEqual({ id: text.id, to: text.to, template: text.template, body: text.body });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
