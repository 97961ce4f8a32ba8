import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../support/test-app';
import { createTestTenant, testBlueprint, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

/**
 * A specialty no physician can take a case in today (not accepting, no weekly room, or no license current today) is
 * not sold: its page says so instead of a price and a button, the pricing table too, the sitemap leaves it out and
 * the intake does not offer it. It was advertised everywhere and refused only after the patient's first step.
 */
describe('a specialty nobody can take today', () => {
  let app: NestFastifyApplication;
  let t: TestTenant;
  const idle = 'idle-neurology';

  beforeAll(async () => {
    app = await createTestApp({}, {}, { domains: true });
    // Its own specialty, offering and physician keep the slugs of this base (spec-placeholder, review-placeholder).
    const base = testBlueprint('t-placeholder');
    t = await createTestTenant(app, {
      locales: ['en', 'es'],
      specialties: [...base.specialties!, { slug: idle, name: 'Idle Neurology', summary: 'Brain reviews.' }],
      offerings: [
        ...base.offerings!,
        {
          slug: 'idle-review',
          specialty: idle,
          name: 'Idle neurology review',
          description: 'Nobody takes it.',
          price: '800.00',
          turnaround_days: 5,
        },
      ],
      physicians: [
        ...base.physicians!,
        // Three ways of not taking cases: not accepting, no room, a license that expired yesterday.
        idlePhysician('not-accepting', { accepting_new_cases: false }),
        idlePhysician('no-room', { weekly_capacity: 0 }),
        idlePhysician('expired', { licenses: [{ jurisdiction: 'US-NY', number: 'NY-1', expires: '2020-01-01' }] }),
      ],
    });
    function idlePhysician(slug: string, overrides: Record<string, unknown>) {
      return {
        ...base.physicians![0],
        slug,
        name: `Dr. ${slug}`,
        specialties: [idle],
        licenses: [{ jurisdiction: 'US-NY', number: `NY-${slug}`, expires: '2099-12-31' }],
        ...overrides,
      };
    }
  });

  afterAll(() => app.close());

  it('keeps its page but sells nothing there, in each language', async () => {
    const site = new WebClient(app, t.host);
    const page = await site.get(`/specialties/${idle}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Our specialists cannot take new requests in this specialty right now.');
    expect(page.text).not.toContain('/start?offering=idle-review');
    expect(page.text).not.toContain('$800');
    const spanish = await site.get(`/specialties/${idle}?lang=es`);
    expect(spanish.text).toContain('Nuestros especialistas no pueden aceptar nuevas solicitudes en esta especialidad');
    // The staffed specialty still sells.
    const staffed = await site.get('/specialties/spec-placeholder');
    expect(staffed.text).toContain('/start?offering=review-placeholder');
  });

  it('shows "not available right now" instead of its prices, and leaves it out of the sitemap', async () => {
    const site = new WebClient(app, t.host);
    const pricing = await site.get('/pricing');
    expect(pricing.text).toMatch(/Idle neurology review<\/a><\/th>\s*<td colspan="\d+">Not available right now<\/td>/);
    expect(pricing.text).not.toContain('$800');
    const sitemap = await site.get('/sitemap.xml');
    expect(sitemap.text).toContain('/specialties/spec-placeholder</loc>');
    expect(sitemap.text).not.toContain(idle);
  });

  it('is not offered at /start, and choosing it anyway is refused beside the field with what was typed kept', async () => {
    const site = new WebClient(app, t.host);
    const start = await site.get('/start');
    expect(start.status).toBe(200);
    expect(start.text).toContain('review-placeholder');
    expect(start.text).not.toContain('idle-review');
    const refused = await site.submit('/start', { offering: 'idle-review', jurisdiction: 'US-NY', question: 'Kept?' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Our specialists cannot take new requests for this opinion right now: choose another.');
    expect(refused.text).toContain('value="US-NY" selected');
  });

  it('is not found on another hospital either', async () => {
    const other = await createTestTenant(app);
    expect((await new WebClient(app, other.host).get(`/specialties/${idle}`)).status).toBe(404);
  });
});
