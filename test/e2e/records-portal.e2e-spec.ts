import { CaseReview } from '@consilium/cases';
import { TenantDatabase, Translator } from '@consilium/core';
import { JobQueue, JobRunner } from '@consilium/jobs';
import { RECORDS_PROCESS_JOB, RecordProcessor, RecordsService, rejectionMessage } from '@consilium/records';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import request from 'supertest';
import { eventually } from '../support/eventually';
import { fixture, pdf, peExecutable, png } from '../support/hostile-files';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { jobRows } from '../support/job-queues';
import { freePort } from '../support/ports';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { actAs, advanceTestCase, asStaff, createTestCase, TestCase } from '../support/cases';
import { createTestApp } from '../support/test-app';
import { signUpPatient } from '../support/sign-up';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';
import { makeZip } from '../support/zip-writer';

const CHROMIUM = '/usr/bin/chromium';

/**
 * Records in the running platform, end to end: the patient's form on their case page (no JavaScript), processing as
 * a job, the coordinator's and the assigned physician's views and downloads, and 404s for everyone else.
 */
describe('records in the portal and the console', () => {
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  let theCase: TestCase;
  let patient: WebClient;
  const referral = Buffer.concat([pdf(20_000), randomBytes(16)]);
  const study = makeZip([
    { name: 'CD/DICOM/IM1', data: fixture('CT0012.not_fragmented_bot_rle.dcm') },
    { name: 'CD/DICOM/IM2', data: fixture('CT0012.fragmented_no_bot_jpeg_baseline.51.dcm') },
    { name: 'CD/DICOM/IM3', data: fixture('IM00001.fragmented_no_bot_jpeg_baseline.50.dcm') },
  ]);

  beforeAll(async () => {
    db = await isolatedDatabase('records-portal');
    dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-records-portal-'));
    // The platform as it runs (every domain, records under /account and /console, processing as jobs).
    app = await createTestApp(
      { ...db.env, DATA_DIR: dataDir, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    await app.get(JobRunner).start();
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es'] } }));
    peopleA = a.people;
    peopleB = b.people;
    // Sent and paid: the patient sends records while the care team has not yet accepted it.
    theCase = await createTestCase(app, a, { state: 'submitted' });
    patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** What the browser does with the page's form: multipart to its action (the CSRF token rides in the action). */
  async function uploadThroughPage(client: WebClient, pagePath: string, files: [string, Buffer][]) {
    const page = await client.get(pagePath);
    expect(page.status).toBe(200);
    const action = /<form method="post" action="([^"]+\/records\/upload\?_csrf=[^"]+)" enctype="multipart\/form-data"/.exec(page.text)?.[1];
    expect(action).toBeDefined();
    let req = request(app.getHttpServer()).post(action!).set('Host', client.host).set('Cookie', client.cookieHeader());
    for (const [name, bytes] of files) req = req.attach('file', bytes, name);
    return req;
  }

  async function filesOf(caseId: string) {
    return app.get(RecordsService).list({ tenantId: a.id, caseId });
  }

  const allSettled = async (caseId: string) =>
    eventually(async () => {
      const files = await filesOf(caseId);
      expect(files.length).toBeGreaterThan(0);
      expect(files.filter((f) => f.status === 'uploaded' || f.status === 'processing')).toEqual([]);
      return files;
    }, 20_000);

  it("refuses a file form that lacks the page's token (CSRF), keeping nothing", async () => {
    const res = await request(app.getHttpServer())
      .post(`/account/cases/${theCase.id}/records/upload`)
      .set('Host', a.host)
      .set('Cookie', patient.cookieHeader())
      .attach('file', pdf(), 'forged.pdf');
    expect(res.status).toBe(403);
    const wrong = await request(app.getHttpServer())
      .post(`/account/cases/${theCase.id}/records/upload?_csrf=not-the-token`)
      .set('Host', a.host)
      .set('Cookie', patient.cookieHeader())
      .attach('file', pdf(), 'forged.pdf');
    expect(wrong.status).toBe(403);
    expect(await filesOf(theCase.id)).toEqual([]);
  });

  it('takes a PDF and a ZIP of a DICOM study from the case page and shows them ready, with the study', async () => {
    const res = await uploadThroughPage(patient, `/account/cases/${theCase.id}`, [
      ['referral letter.pdf', referral],
      ['CT from the CD.zip', study],
    ]);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/account/cases/${theCase.id}?uploaded=2&rejected=0#records`);
    // No file name in the address the browser is sent to, or in anything it could log.
    expect(res.headers.location).not.toMatch(/referral|CT/);
    const files = await allSettled(theCase.id);
    expect(files.filter((f) => !f.parentId).map((f) => [f.name, f.status, f.detectedType])).toEqual([
      ['referral letter.pdf', 'ready', 'pdf'],
      ['CT from the CD.zip', 'ready', 'zip'],
    ]);
    const page = await patient.get(res.headers.location.replace('#records', ''));
    expect(page.text).toContain('Your records');
    expect(page.text).toContain('2 files received.');
    expect(page.text).toContain('referral letter.pdf');
    expect(page.text).toContain('ZIP with 3 files: 3 accepted, 0 not accepted.');
    // Each cell names its column (data-label), for the stacked rows on a phone.
    expect(page.text).toMatch(
      /<td[^>]*>2006-12-19<\/td><td[^>]*>[^<]*<\/td><td[^>]*>CT <\/td><td[^>]*>[^<]*<\/td><td[^>]*>1<\/td><td[^>]*>2<\/td>/,
    );
    expect(page.text).toMatch(/<td[^>]*>2012-04-18<\/td><td[^>]*>US Dopler<\/td><td[^>]*>US <\/td>/);
    expect(page.text).not.toContain('Being checked');
    const pdfRow = files.find((f) => f.name === 'referral letter.pdf')!;
    expect(page.text).toContain(`href="/account/records/${pdfRow.id}/content"`);
    // The patient reads their own file back, byte for byte, as an attachment.
    const own = await request(app.getHttpServer())
      .get(`/account/records/${pdfRow.id}/content`)
      .set('Host', a.host)
      .set('Cookie', patient.cookieHeader())
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(own.status).toBe(200);
    expect((own.body as Buffer).equals(referral)).toBe(true);
    expect(own.headers['content-disposition']).toMatch(/^attachment;/);
    // The timeline says records came, without saying which.
    expect(page.text).toContain('Records uploaded');
    // In Spanish too.
    const es = await patient.get(`/account/cases/${theCase.id}?lang=es`);
    expect(es.text).toContain('Sus documentos médicos');
    expect(es.text).toContain('Listo');
    await patient.get(`/account/cases/${theCase.id}?lang=en`);
  });

  it('shows a refused file with its reason and a duplicate as such, leaving the other files as they were', async () => {
    const before = (await filesOf(theCase.id)).length;
    const res = await uploadThroughPage(patient, `/account/cases/${theCase.id}`, [
      ['report.pdf', peExecutable()],
      ['referral again.pdf', referral],
      ['lab results.pdf', Buffer.concat([pdf(3000), randomBytes(16)])],
      ['scan.png', png(50_000, 50_000)],
    ]);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/account/cases/${theCase.id}?uploaded=1&rejected=3#records`);
    const files = await allSettled(theCase.id);
    expect(files).toHaveLength(before + 4);
    expect(files.find((f) => f.name === 'referral letter.pdf')?.status).toBe('ready');
    expect(files.find((f) => f.name === 'lab results.pdf')?.status).toBe('ready');
    const page = await patient.get(`/account/cases/${theCase.id}?uploaded=1&rejected=3`);
    expect(page.text).toContain('3 files not accepted: the reason is shown beside each one.');
    const exe = files.find((f) => f.name === 'report.pdf')!;
    expect(exe.rejection?.code).toBe('executable_file');
    expect(page.text).toContain(exe.rejection!.message.replace(/'/g, '&#x27;'));
    expect(page.text).toContain('You already sent this file; the first copy is kept.');
    // The row keeps the refusal's arguments (the limit), not only its English words.
    const flood = files.find((f) => f.name === 'scan.png')!;
    expect(flood.rejection).toMatchObject({ code: 'image_too_large', values: { megapixels: expect.any(Number) } });

    // A Spanish-speaking patient, and a Spanish-speaking coordinator, read each reason in Spanish, limit included.
    const translator = app.get(Translator);
    const inSpanish = [exe, flood].map((f) => {
      const { key, values } = rejectionMessage(f.rejection!);
      return translator.t(key, 'es', values);
    });
    expect(inSpanish[1]).toContain(String(flood.rejection!.values!.megapixels as number));
    const portal = (await patient.get(`/account/cases/${theCase.id}?lang=es`)).text;
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    const staffPage = (await coordinator.get(`/console/cases/${theCase.id}?lang=es`)).text;
    for (const words of inSpanish) {
      expect(portal).toContain(words);
      expect(staffPage).toContain(words);
    }
    expect(staffPage).not.toContain(exe.rejection!.message.replace(/'/g, '&#x27;'));
    await patient.get(`/account/cases/${theCase.id}?lang=en`);
  });

  it('lets the coordinator and the assigned physician see the records and download them, audited', async () => {
    // The hospital accepts the case and assigns its physician, who then sees the records sent before.
    theCase = await advanceTestCase(app, a, theCase, 'assigned');
    const pdfRow = (await filesOf(theCase.id)).find((f) => f.name === 'referral letter.pdf')!;
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    const casePage = await coordinator.get(`/console/cases/${theCase.id}`);
    expect(casePage.status).toBe(200);
    expect(casePage.text).toContain(`href="/console/records/${pdfRow.id}/content"`);
    expect(casePage.text).toContain('Imaging studies');
    expect(casePage.text).toContain('US Dopler');
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, peopleA.physician);
    const review = await physician.get(`/console/reviews/${theCase.id}`);
    expect(review.status).toBe(200);
    expect(review.text).toContain(`href="/console/records/${pdfRow.id}/content"`);
    for (const [client, who] of [
      [coordinator, peopleA.coordinator],
      [physician, peopleA.physician],
    ] as const) {
      const res = await client.get(`/console/records/${pdfRow.id}/content`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const audit = await app
        .get(TenantDatabase)
        .forTenant(a.id, (tx) =>
          tx.query(`SELECT outcome FROM audit_events WHERE action = 'records.download' AND entity_id = $1 AND actor_id = $2`, [
            pdfRow.id,
            who.id,
          ]),
        );
      expect(audit).toEqual([{ outcome: 'allowed' }]);
    }
    const list = await coordinator.get(`/console/cases/${theCase.id}/records`, { Accept: 'application/json' });
    expect(list.status).toBe(200);
    expect(JSON.parse(list.text).studies).toHaveLength(2);
  });

  it("answers 404 to another patient, and to the other hospital's patient and staff, for the list, the file and its bytes", async () => {
    const fileId = (await filesOf(theCase.id)).find((f) => f.name === 'referral letter.pdf')!.id;
    const other = new WebClient(app, a.host);
    await signUpPatient(other, app, a.id, { name: 'Other', email: `other.${Date.now()}@example.org` });
    const patientB = new WebClient(app, b.host);
    await signInPatient(patientB, peopleB.patient);
    const coordinatorB = new WebClient(app, b.host);
    await signInStaff(coordinatorB, peopleB.coordinator);
    const json = { Accept: 'application/json' };
    for (const [client, base] of [
      [other, '/account'],
      [patientB, '/account'],
      [coordinatorB, '/console'],
    ] as const) {
      expect((await client.get(`${base}/cases/${theCase.id}/records`, json)).status).toBe(404);
      expect((await client.get(`${base}/records/${fileId}`, json)).status).toBe(404);
      expect((await client.get(`${base}/records/${fileId}/content`, json)).status).toBe(404);
    }
    // Nor can they put files into it.
    const page = await patient.get(`/account/cases/${theCase.id}`);
    const token = /name="_csrf" value="([^"]+)"/.exec((await other.get('/account')).text)?.[1];
    expect(page.status).toBe(200);
    const res = await request(app.getHttpServer())
      .post(`/account/cases/${theCase.id}/records/upload?_csrf=${token}`)
      .set('Host', a.host)
      .set('Cookie', other.cookieHeader())
      .attach('file', pdf(), 'x.pdf');
    expect(res.status).toBe(404);
  });

  it('takes records after acceptance only when the care team asked for them', async () => {
    const accepted = await createTestCase(app, a, { state: 'accepted' });
    const page = await patient.get(`/account/cases/${accepted.id}`);
    expect(page.text).toContain('This request is not taking new records now.');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    const refused = await request(app.getHttpServer())
      .post(`/account/cases/${accepted.id}/records/upload?_csrf=${token}`)
      .set('Host', a.host)
      .set('Cookie', patient.cookieHeader())
      .attach('file', pdf(), 'x.pdf');
    expect(refused.status).toBe(409);
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    await coordinator.get(`/console/cases/${accepted.id}`);
    expect((await coordinator.post(`/console/cases/${accepted.id}/ask-records`, { reason: 'The 2024 MRI report' })).status).toBe(303);
    const res = await uploadThroughPage(patient, `/account/cases/${accepted.id}`, [
      ['mri report.pdf', Buffer.concat([pdf(), randomBytes(8)])],
    ]);
    expect(res.status).toBe(303);
    expect((await patient.get(`/account/cases/${accepted.id}`)).text).toContain('More records needed');
  });

  it('processes each upload once, and a job run again after a crash does no work twice', async () => {
    const files = await filesOf(theCase.id);
    const archive = files.find((f) => f.name === 'CT from the CD.zip')!;
    // The upload's own jobs: one per kept file, each completed once.
    const jobs = await jobRows(db.owner, `name = 'records-process' AND data->>'fileId' = $1`, [archive.id]);
    expect(jobs.map((j) => [j.state, j.output])).toEqual([['completed', { fileId: archive.id, status: 'ready' }]]);
    // A worker that finished the work but died before marking its job done: the job comes back and changes nothing.
    const children = files.filter((f) => f.parentId === archive.id).map((f) => [f.id, f.processedAt?.toISOString()]);
    const jobId = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => app.get(JobQueue).enqueue(tx, RECORDS_PROCESS_JOB, { tenantId: a.id, fileId: archive.id }));
    const [rerun] = await eventually(async () => {
      const rows = await jobRows(db.owner, 'id = $1', [jobId]);
      expect(rows[0]?.state).toBe('completed');
      return rows;
    }, 20_000);
    expect(rerun.output).toEqual({ fileId: archive.id, status: 'ready' });
    const after = await filesOf(theCase.id);
    expect(after.filter((f) => f.parentId === archive.id).map((f) => [f.id, f.processedAt?.toISOString()])).toEqual(children);
    expect(after.find((f) => f.id === archive.id)?.processedAt).toEqual(archive.processedAt);
    // And the processor itself, asked again, hands back the finished file.
    expect(await app.get(RecordProcessor).process(a.id, archive.id)).toEqual({ fileId: archive.id, status: 'ready' });
  });

  (existsSync(CHROMIUM) ? it : it.skip)('sends large files resumably from the browser, through a dropped connection', async () => {
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    const profile = mkdtempSync(path.join(tmpdir(), 'chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      // The signed-in patient's cookies, as the browser would hold them for this hospital's host.
      await browser.addCookies([...patient.cookies].map(([name, value]) => ({ name, value, domain: a.host, path: '/' })));
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });

      // The second 8 MiB chunk is cut off mid-flight, as a dropped mobile connection would be: the script asks the
      // server where it stands (HEAD) and goes on from the first chunk's end.
      const calls: string[] = [];
      let dropped = 0;
      await page.route('**/uploads/*', async (route) => {
        const method = route.request().method();
        calls.push(method === 'PATCH' ? `PATCH ${route.request().headers()['upload-offset']}` : method);
        if (method === 'PATCH' && calls.filter((c) => c.startsWith('PATCH')).length === 2 && dropped === 0) {
          dropped++;
          return route.abort('connectionreset');
        }
        return route.continue();
      });
      // The case is under review now: the care team asks for more records, which lets the patient send them.
      await actAs(app, a, asStaff(peopleA.coordinator, 'coordinator'), () =>
        app.get(CaseReview).askForRecords(theCase.id, 'A larger scan'),
      );
      const base = `http://${a.host}:${port}`;
      await page.goto(`${base}/account/cases/${theCase.id}`);
      // Files over 100 MB take this path; a small threshold exercises the same script with a small file.
      await page.locator('form[data-resumable]').evaluate((form) => form.setAttribute('data-resumable-over', '1000'));
      const scan = Buffer.concat([pdf(9 * 1024 * 1024), randomBytes(32)]);
      await page.setInputFiles('#f-records', [{ name: 'large scan report.pdf', mimeType: 'application/pdf', buffer: scan }]);
      await Promise.all([
        page.waitForURL(/uploaded=1&rejected=0/, { timeout: 60_000 }),
        page.click('form[data-resumable] button[type=submit]'),
      ]);
      expect(dropped).toBe(1);
      const chunk = String(8 * 1024 * 1024);
      expect(calls).toEqual(['PATCH 0', `PATCH ${chunk}`, 'HEAD', `PATCH ${chunk}`]);
      expect(errors.filter((e) => !/ERR_CONNECTION_RESET|Failed to load resource/.test(e))).toEqual([]);
      const files = await allSettled(theCase.id);
      const sent = files.find((f) => f.name === 'large scan report.pdf');
      expect(sent).toMatchObject({ status: 'ready', sizeBytes: scan.length });
      expect(sent!.sha256).toBe(createHash('sha256').update(scan).digest('hex'));
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
