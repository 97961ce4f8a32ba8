import { AnalyticsModule } from '@consilium/analytics';
import { BlueprintCatalog, BlueprintExporter, formatProblem, validateBlueprints } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createFreshDatabase, FreshDatabase } from '../support/fresh-database';
import { createTestApp } from '../support/test-app';

const CLI = path.resolve(__dirname, '../../dist/apps/cli/src/main.js');

describe('exporting a tenant as a blueprint', () => {
  let app: NestFastifyApplication;
  let out: string;

  beforeAll(async () => {
    // With analytics, whose section (monthly cost, procedure values) travels in the blueprint too.
    app = await createTestApp({}, { imports: [AnalyticsModule] });
    await app.get(BlueprintCatalog).apply(['lakeshore', 'meridian']);
    out = mkdtempSync(path.join(tmpdir(), 'export-'));
    for (const slug of ['lakeshore', 'meridian']) expect(await app.get(BlueprintExporter).write(slug, out)).toBe(path.join(out, slug));
  });

  afterAll(async () => {
    await app.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('writes tenant.yaml, the assets it names and the templates, all valid', () => {
    const report = validateBlueprints(out, [], out);
    expect(report.problems.map(formatProblem)).toEqual([]);
    expect(report.valid.map((v) => v.blueprint.slug)).toEqual(['lakeshore', 'meridian']);
    const yaml = readFileSync(path.join(out, 'lakeshore', 'tenant.yaml'), 'utf8');
    expect(yaml).toContain('price: "950.00"');
    expect(yaml).toContain('unlicensed_states: physician_to_physician');
    expect(yaml).toContain('- jurisdiction: US-IN\n');
    expect(yaml).toMatch(/analytics:\n {2}monthly_cost: "18000.00"\n {2}procedure_values:\n {4}oncology: "45000.00"\n/);
    expect(existsSync(path.join(out, 'lakeshore', 'assets', 'amara-okafor.svg'))).toBe(true);
    expect(existsSync(path.join(out, 'meridian', 'templates', 'marketing', 'partials', 'hero.hbs'))).toBe(true);
  });

  it('re-applies to the same site with no changes', async () => {
    const again = await app.get(BlueprintCatalog).apply([], { root: out });
    expect(again.problems).toEqual([]);
    expect(again.results.map((r) => [r.slug, r.changes])).toEqual([
      ['lakeshore', []],
      ['meridian', []],
    ]);
  });

  describe('applied to an empty database', () => {
    let fresh: FreshDatabase;
    let copy: NestFastifyApplication;

    beforeAll(async () => {
      fresh = await createFreshDatabase();
      // Templates come from the exported folder: they must travel with the blueprint.
      copy = await createTestApp({ ...fresh.env, TENANTS_DIR: out }, { imports: [AnalyticsModule] });
      const applied = await copy.get(BlueprintCatalog).apply();
      expect(applied.problems).toEqual([]);
      expect(applied.results.every((r) => r.created)).toBe(true);
    });

    afterAll(async () => {
      await copy?.close();
      await fresh?.drop();
    });

    it.each(['lakeshore', 'meridian'])('serves %s with the same pages, byte for byte', async (slug) => {
      const host = `${slug}.localhost`;
      const sitemap = await request(app.getHttpServer()).get('/sitemap.xml').set('Host', host).expect(200);
      const copied = await request(copy.getHttpServer()).get('/sitemap.xml').set('Host', host).expect(200);
      expect(copied.text).toBe(sitemap.text);
      const paths = [...sitemap.text.matchAll(/<loc>http:\/\/[^/]+(\/[^<]*)<\/loc>/g)].map((m) => m[1]);
      expect(paths.length).toBeGreaterThan(30);
      for (const p of paths) {
        const original = await request(app.getHttpServer()).get(p).set('Host', host).expect(200);
        const reapplied = await request(copy.getHttpServer()).get(p).set('Host', host).expect(200);
        expect({ path: p, html: reapplied.text }).toEqual({ path: p, html: original.text });
      }
    });
  });

  it('works from the CLI: export, validate, dry-run apply', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-export-'));
    const env = {
      PATH: process.env.PATH!,
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      DATABASE_OWNER_URL: process.env.TEST_DATABASE_OWNER_URL!,
      DATABASE_OPERATOR_URL: process.env.TEST_DATABASE_OPERATOR_URL!,
      APP_SECRET: Buffer.alloc(32, 1).toString('base64'),
      LOG_LEVEL: 'silent',
    };
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    const exported = run('tenants', 'export', 'meridian', '--out', dir);
    expect(exported.stderr).toBe('');
    expect(exported.stdout).toContain('meridian: written to');
    expect(exported.status).toBe(0);
    const validated = run('tenants', 'validate', '--dir', dir);
    expect(validated.stdout).toContain('ok  ');
    expect(validated.status).toBe(0);
    const dry = run('tenants', 'apply', '--dry-run', '--dir', dir, 'meridian');
    expect(dry.stdout).toBe('meridian: no changes\n');
    rmSync(dir, { recursive: true, force: true });
  });
});
