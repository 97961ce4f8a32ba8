import { OperatorDatabase } from '@consilium/core/operator-data';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestCase } from '../support/cases';
import { createTestHospital, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

/**
 * A hospital not launched yet (`coming_soon`, as the operator's wizard makes it): its staff work, the public sees a
 * page that says when to come back, and the admin launches it from a checklist once every item is done, after
 * walking a test request through a preview only their browser gets.
 */
describe('coming soon, the launch checklist and the launch', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;

  beforeAll(async () => {
    app = await createTestApp({}, {}, { domains: true });
    a = await createTestHospital(app, { status: 'coming_soon', contact: { phone: '+1 212 555 0100', email: 'care@a.example.org' } });
    b = await createTestHospital(app);
  });

  afterAll(() => app.close());

  async function admin(h: TestHospital): Promise<WebClient> {
    const client = new WebClient(app, h.host);
    await signInStaff(client, h.people.admin);
    return client;
  }

  it('shows the public "opens soon" (503, in the reader’s language) on pages, sitemap, intake and sign-up; staff sign in', async () => {
    const site = new WebClient(app, a.host);
    for (const path of ['/', '/pricing', `/specialties/${a.specialtySlug}`, '/sitemap.xml', '/start', '/sign-up']) {
      const page = await site.get(path);
      expect([path, page.status]).toEqual([path, 503]);
    }
    expect((await site.get('/')).text).toContain('This second opinion program opens soon.');
    expect((await site.get('/?lang=es')).status).toBe(503);
    expect((await site.get('/console/sign-in')).status).toBe(200);
    // The other hospital is open as ever.
    expect((await new WebClient(app, b.host).get('/')).status).toBe(200);
  });

  it('lists what is missing, refuses to launch until it is done, previews the intake for the admin only, then launches', async () => {
    const console = await admin(a);
    const checklist = await console.get('/console/launch');
    expect(checklist.status).toBe(200);
    expect(checklist.text).toContain('Launch checklist');
    expect(checklist.text).toMatch(/class="is-missing">\s*<span class="visually-hidden">To do:<\/span>\s*One request walked end to end/);
    expect(checklist.text).toMatch(/<button class="button" type="submit" disabled/);
    const early = await console.submit('/console/launch', {}, '/console/launch');
    expect(early.status).toBe(303);
    expect(early.location).toBe('/console/launch?refused=1');
    expect((await new WebClient(app, a.host).get('/')).status).toBe(503);

    // The preview opens the intake in this browser only.
    await console.get('/console/launch');
    const preview = await console.submit('/console/launch', {}, '/console/launch/preview');
    expect(preview.location).toBe('/start');
    expect((await console.get('/start')).status).toBe(200);
    expect((await new WebClient(app, a.host).get('/start')).status).toBe(503);
    // A made-up preview cookie opens nothing.
    const stranger = new WebClient(app, a.host);
    stranger.cookies.set('consilium_preview', 'forged');
    expect((await stranger.get('/start')).status).toBe(503);

    // A request walked and paid with the demo card (as the preview lets the admin do) completes the list.
    expect((await createTestCase(app, a)).paymentId).toBeDefined();
    const ready = await console.get('/console/launch');
    expect(ready.text).not.toContain('class="is-missing"');
    const launched = await console.submit('/console/launch', {}, '/console/launch');
    expect(launched.location).toBe('/console/launch?launched=1');
    expect((await console.get('/console/launch?launched=1')).text).toContain('Your site is open to patients');
    // Open at once, on this instance, for everyone.
    const site = new WebClient(app, a.host);
    expect((await site.get('/')).status).toBe(200);
    expect((await site.get('/start')).status).toBe(200);
    const audit: { action: string }[] = await app
      .get(OperatorDatabase)
      .transaction((tx) =>
        tx.query(`SELECT action FROM audit_events WHERE tenant_id = $1 AND action LIKE 'site.%' ORDER BY occurred_at`, [a.id]),
      );
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['site.preview', 'site.launch']));
  });

  it('is not found for another hospital’s admin, and only an admin sees it', async () => {
    const other = await admin(b);
    const list = await other.get('/console/launch');
    // B's own checklist (B is open), never A's state.
    expect(list.text).toContain('Your site is open to patients.');
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    expect((await coordinator.get('/console/launch')).status).toBe(403);
  });
});
