import { AccountMail, IdentityModule } from '@consilium/identity';
import { IntakeModule } from '@consilium/intake';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { createTestApp } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** Found by wapiti: a NUL character in a form field reached PostgreSQL (which refuses it) and answered 500. */
describe('a NUL character in input', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;

  beforeAll(async () => {
    app = await createTestApp(
      {},
      { imports: [IdentityModule, IntakeModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    // Every request here is anonymous (nobody signs in), so a tenant without people is enough.
    a = await createTestTenant(app);
  });

  afterAll(() => app.close());

  it('is refused as bad input (400) in a form, a query and a JSON body, never a server error', async () => {
    const browser = new WebClient(app, a.host);
    await browser.get('/sign-in');
    const signIn = await browser.post('/sign-in', { email: '/e\u0000', password: 'Letm3in_' });
    expect(signIn.status).toBe(400);
    expect(signIn.text).toContain('not allowed (NUL)');
    await browser.get('/start');
    expect((await browser.post('/start', { offering: a.offeringSlug, jurisdiction: 'US-NY\u0000' })).status).toBe(400);
    expect((await browser.get('/start?offering=%00')).status).toBe(400);
    const api = await request(app.getHttpServer()).post('/api/v1/whoami').set('Host', a.host).send({ name: 'x\u0000' });
    expect(api.status).toBe(400);
    // The same forms without it work as before.
    expect((await browser.post('/start', { offering: a.offeringSlug, jurisdiction: 'US-NY' })).status).toBe(303);
  });
});
