import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatProblem, loadBlueprint, validateBlueprints } from './blueprint-loader';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';
const GOOD = `slug: acme
name: Acme Hospital
case_prefix: ACM
time_zone: America/Denver
currency: USD
branding:
  logo: assets/logo.svg
  colors:
    primary: "#112233"
    accent: "#445566"
`;

let root: string;

function blueprint(slug: string, yaml: string, files: Record<string, string> = { 'assets/logo.svg': LOGO }): string {
  const dir = path.join(root, slug);
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'tenant.yaml'), yaml);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

function problems(slug: string, yaml: string, files?: Record<string, string>): string[] {
  const result = loadBlueprint(blueprint(slug, yaml, files), root);
  if (result.ok) throw new Error('expected problems');
  return result.problems.map(formatProblem);
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'blueprints-'));
});

describe('blueprint validation', () => {
  it('accepts a minimal blueprint and fills defaults', () => {
    const result = loadBlueprint(blueprint('acme', GOOD), root);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.loaded.blueprint.locales).toEqual(['en']);
    expect(result.loaded.blueprint.branding.colors.text).toBe('#1a1a1a');
    expect(result.loaded.assets.map((a) => [a.name, a.contentType])).toEqual([['logo.svg', 'image/svg+xml']]);
  });

  it.each([
    ['a colour that is not hex', GOOD.replace('"#112233"', 'blue'), 'acme/tenant.yaml:9: branding.colors.primary: must be a colour written as #rrggbb, e.g. #0b5394'],
    ['a missing name', GOOD.replace('name: Acme Hospital\n', ''), 'acme/tenant.yaml:1: name: is required'],
    ['a misspelt key', GOOD.replace('currency: USD', 'currency: USD\ncolour: red'), 'acme/tenant.yaml:1: unknown key "colour"'],
    ['an unknown time zone', GOOD.replace('America/Denver', 'Mars/Olympus'), 'acme/tenant.yaml:4: time_zone: must be an IANA time zone such as America/Chicago'],
    ['an unknown currency', GOOD.replace('USD', 'XYZ'), 'acme/tenant.yaml:5: currency: must be an ISO 4217 currency code such as USD'],
    ['a lower-case case prefix', GOOD.replace('ACM', 'acm'), 'acme/tenant.yaml:3: case_prefix: must be 2 to 5 capital letters, e.g. LKS'],
    ['a slug that is not the folder', GOOD.replace('slug: acme', 'slug: other'), 'acme/tenant.yaml:1: slug: must match the folder name "acme"'],
    ['a logo that does not exist', GOOD.replace('assets/logo.svg', 'assets/missing.svg'), 'acme/tenant.yaml:7: branding.logo: assets/missing.svg does not exist in acme'],
    ['a logo outside assets/', GOOD.replace('assets/logo.svg', '../../etc/passwd'), 'acme/tenant.yaml:7: branding.logo: must be a file in assets/, e.g. assets/logo.svg (lower-case name; svg, png, jpg, webp or ico)'],
    ['a font stack that could break out of CSS', GOOD + '  fonts:\n    body: "x; } body { display: none"\n', 'acme/tenant.yaml:12: branding.fonts.body: must be a font stack such as "Georgia, \'Times New Roman\', serif"'],
    ['a primary domain not in domains', GOOD + 'primary_domain: x.example.org\n', 'acme/tenant.yaml:11: primary_domain: must be one of the domains listed under domains'],
    ['a domain listed twice', GOOD + 'domains: [a.example.org, a.example.org]\n', 'acme/tenant.yaml:11: domains.1: lists a.example.org twice'],
    ['a domain with capitals', GOOD + 'domains: [A.Example.org]\n', 'acme/tenant.yaml:11: domains.0: must be a lower-case host name such as secondopinion.example.org'],
    ['a locale we do not ship', GOOD + 'locales: [en, fr]\n', 'acme/tenant.yaml:11: locales.1: must be one of en, es'],
    ['text of the wrong shape', GOOD + 'landing:\n  hero:\n    title: [1, 2]\n', 'acme/tenant.yaml:13: landing.hero.title: must be text, or text per language ({ en: ..., es: ... })'],
    ['broken YAML', 'slug: acme\nname: [unclosed\n', 'acme/tenant.yaml:3: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['a duplicated key', GOOD + 'name: Again\n', 'acme/tenant.yaml:11: not valid YAML: Map keys must be unique'],
  ])('reports %s with the file, the line and the path', (_, yaml, expected) => {
    expect(problems('acme', yaml)).toContain(expected);
  });

  it('refuses an image that is not one, whatever its name', () => {
    expect(problems('acme', GOOD, { 'assets/logo.svg': 'MZ\x90\x00 not an image' })).toEqual([
      'acme/tenant.yaml:7: branding.logo: assets/logo.svg is not an SVG, PNG, JPEG, WebP or ICO image',
    ]);
  });

  it('refuses an SVG logo that carries script', () => {
    expect(problems('acme', GOOD, { 'assets/logo.svg': '<svg onload="alert(1)"/>' })).toEqual([
      'acme/tenant.yaml:7: branding.logo: assets/logo.svg contains script; brand images must be plain SVG',
    ]);
  });

  it('reports every problem at once, not only the first', () => {
    const found = problems('acme', GOOD.replace('ACM', 'acm').replace('USD', 'XYZ'));
    expect(found).toHaveLength(2);
  });

  it('validates the demo blueprints that ship in tenants/', () => {
    const report = validateBlueprints(path.resolve(__dirname, '../../../../tenants'));
    expect(report.problems).toEqual([]);
    expect(report.valid.map((v) => v.blueprint.slug)).toEqual(['lakeshore', 'meridian']);
  });
});
