import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/** A blueprint with every section, lines numbered for the expectations below. */
const FULL = `slug: acme
name: Acme Hospital
case_prefix: ACM
time_zone: America/Denver
currency: USD
branding:
  logo: assets/logo.svg
  colors:
    primary: "#112233"
    accent: "#445566"
licensure:
  home_state: US-CO
  unlicensed_states: educational
  international: decline
specialties:
  - slug: cardiology
    name: Cardiology
    summary: Heart reviews.
offerings:
  - slug: heart-review
    specialty: cardiology
    name: Heart review
    description: A review of a heart condition.
    price: "750.00"
    turnaround_days: 5
    add_ons:
      - code: imaging
        name: Imaging re-read
        price: "200.00"
    intake_questions:
      - key: focus
        label: What should we focus on?
        type: text
physicians:
  - slug: ada-lovell
    name: Ada Lovell
    title: Cardiologist
    bio: Reviews hearts.
    specialties: [cardiology]
    licenses:
      - jurisdiction: US-CO
        number: "CO-123"
        expires: 2030-01-31
    weekly_capacity: 3
    stipend_minor: 20000
price_rules:
  - region: out_of_state
    surcharge: "100.00"
funding_programs:
  - slug: acme-fund
    name: Acme Fund
    description: Pays for those who cannot.
    covers_percent: 100
    budget: "5000.00"
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
    // A real hospital unless its blueprint says otherwise: no demo accounts for it, anywhere.
    expect(result.loaded.blueprint.demo).toBe(false);
  });

  it.each([
    [
      'a colour that is not hex',
      GOOD.replace('"#112233"', 'blue'),
      'acme/tenant.yaml:9: branding.colors.primary: must be a colour written as #rrggbb, e.g. #0b5394',
    ],
    ['a missing name', GOOD.replace('name: Acme Hospital\n', ''), 'acme/tenant.yaml:1: name: is required'],
    ['a misspelt key', GOOD.replace('currency: USD', 'currency: USD\ncolour: red'), 'acme/tenant.yaml:1: unknown key "colour"'],
    [
      'an unknown time zone',
      GOOD.replace('America/Denver', 'Mars/Olympus'),
      'acme/tenant.yaml:4: time_zone: must be an IANA time zone such as America/Chicago',
    ],
    ['an unknown currency', GOOD.replace('USD', 'XYZ'), 'acme/tenant.yaml:5: currency: must be an ISO 4217 currency code such as USD'],
    ['a lower-case case prefix', GOOD.replace('ACM', 'acm'), 'acme/tenant.yaml:3: case_prefix: must be 2 to 5 capital letters, e.g. LKS'],
    [
      'a slug that is not the folder',
      GOOD.replace('slug: acme', 'slug: other'),
      'acme/tenant.yaml:1: slug: must match the folder name "acme"',
    ],
    [
      'a demo flag that is not a boolean',
      GOOD.replace('currency: USD', 'currency: USD\ndemo: yes please'),
      'acme/tenant.yaml:6: demo: must be true or false',
    ],
    [
      'a logo that does not exist',
      GOOD.replace('assets/logo.svg', 'assets/missing.svg'),
      'acme/tenant.yaml:7: branding.logo: assets/missing.svg does not exist in acme',
    ],
    [
      'a logo outside assets/',
      GOOD.replace('assets/logo.svg', '../../etc/passwd'),
      'acme/tenant.yaml:7: branding.logo: must be a file in assets/, e.g. assets/logo.svg (lower-case name; svg, png, jpg, webp or ico)',
    ],
    [
      'a font stack that could break out of CSS',
      GOOD + '  fonts:\n    body: "x; } body { display: none"\n',
      'acme/tenant.yaml:12: branding.fonts.body: must be a font stack such as "Georgia, \'Times New Roman\', serif"',
    ],
    [
      'a primary domain not in domains',
      GOOD + 'primary_domain: x.example.org\n',
      'acme/tenant.yaml:11: primary_domain: must be one of the domains listed under domains',
    ],
    [
      'a domain listed twice',
      GOOD + 'domains: [a.example.org, a.example.org]\n',
      'acme/tenant.yaml:11: domains.1: lists a.example.org twice',
    ],
    [
      'a domain with capitals',
      GOOD + 'domains: [A.Example.org]\n',
      'acme/tenant.yaml:11: domains.0: must be a lower-case host name such as secondopinion.example.org',
    ],
    [
      'a locale we do not ship',
      GOOD + 'locales: [en, de]\n',
      'acme/tenant.yaml:11: locales.1: de is not a platform language: use one of en, es, fr (optionally with a region, e.g. fr-CA)',
    ],
    [
      'text of the wrong shape',
      GOOD + 'landing:\n  hero:\n    title: [1, 2]\n',
      'acme/tenant.yaml:13: landing.hero.title: must be text, or text per language ({ en: ..., fr: ... })',
    ],
    [
      'broken YAML',
      'slug: acme\nname: [unclosed\n',
      'acme/tenant.yaml:3: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    ['a duplicated key', GOOD + 'name: Again\n', 'acme/tenant.yaml:11: not valid YAML: Map keys must be unique'],
  ])('reports %s with the file, the line and the path', (_, yaml, expected) => {
    expect(problems('acme', yaml)).toContain(expected);
  });

  it('reads money as text in the currency or as minor units under an explicit key, never as a float', () => {
    const result = loadBlueprint(blueprint('acme', FULL.replace('surcharge: "100.00"', 'surcharge: "-25.50"')), root);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    const bp = result.loaded.blueprint;
    expect([bp.offerings[0].price, bp.offerings[0].add_ons[0].price, bp.physicians[0].stipend]).toEqual([75000, 20000, 20000]);
    expect([bp.price_rules[0].surcharge, bp.funding_programs[0].budget]).toEqual([-2550, 500000]);
    // Yen have no minor unit: "950" is 950, and a decimal is refused.
    const yen = FULL.replace('currency: USD', 'currency: JPY').replace('stipend_minor: 20000', 'stipend: "2000"');
    const inYen = loadBlueprint(
      blueprint(
        'acme',
        yen
          .replace('price: "750.00"', 'price: "75000"')
          .replace('price: "200.00"', 'price: "20000"')
          .replace('surcharge: "100.00"', 'surcharge: "1000"')
          .replace('budget: "5000.00"', 'budget: "500000"'),
      ),
      root,
    );
    if (!inYen.ok) throw new Error(inYen.problems.map(formatProblem).join('\n'));
    expect(inYen.loaded.blueprint.offerings[0].price).toBe(75000);
    expect(problems('acme', yen.replace('price: "750.00"', 'price: "750.50"'))).toContain(
      'acme/tenant.yaml:24: offerings.0.price: "750.50" is not an amount in JPY (at most 0 decimals): price: "95000" or price_minor: 95000',
    );
  });

  it('accepts a blueprint with every section', () => {
    const result = loadBlueprint(blueprint('acme', FULL), root);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([]);
  });

  it.each([
    [
      'an offering of an unknown specialty',
      FULL.replace('specialty: cardiology', 'specialty: dermatology'),
      [
        'acme/tenant.yaml:21: offerings.0.specialty: no specialty "dermatology" under specialties',
        'acme/tenant.yaml:16: specialties.0.slug: cardiology has no offering: add one under offerings, or remove the specialty',
      ],
    ],
    [
      'a procedure value for an unknown specialty',
      FULL + 'analytics:\n  procedure_values:\n    dermatology: "5000.00"\n',
      'acme/tenant.yaml:57: analytics.procedure_values.dermatology: no specialty "dermatology" under specialties',
    ],
    [
      'a monthly cost YAML reads as a number',
      FULL + 'analytics:\n  monthly_cost: 1800.50\n',
      'acme/tenant.yaml:56: analytics.monthly_cost: write the amount as text in USD or in minor units with an explicit key: monthly_cost: "950.00" or monthly_cost_minor: 95000',
    ],
    [
      'a price of 900.00 that YAML reads as 900',
      FULL.replace('price: "750.00"', 'price: 900.00'),
      'acme/tenant.yaml:24: offerings.0.price: write the amount as text in USD or in minor units with an explicit key: price: "950.00" or price_minor: 95000',
    ],
    [
      'a price with a tenth of a cent',
      FULL.replace('price: "750.00"', 'price: "749.505"'),
      'acme/tenant.yaml:24: offerings.0.price: "749.505" is not an amount in USD (at most 2 decimals): price: "950.00" or price_minor: 95000',
    ],
    [
      'a price given twice',
      FULL.replace('price: "750.00"', 'price: "750.00"\n    price_minor: 75000'),
      'acme/tenant.yaml:24: offerings.0.price: give either price or price_minor, not both',
    ],
    [
      'minor units that are not whole',
      FULL.replace('stipend_minor: 20000', 'stipend_minor: 200.5'),
      'acme/tenant.yaml:45: physicians.0.stipend: stipend_minor must be a whole number of minor units, e.g. stipend_minor: 95000 for 950.00',
    ],
    [
      'a negative add-on price',
      FULL.replace('price: "200.00"', 'price: "-2.00"'),
      'acme/tenant.yaml:29: offerings.0.add_ons.0.price: must not be negative',
    ],
    [
      'a turnaround of zero days',
      FULL.replace('turnaround_days: 5', 'turnaround_days: 0'),
      'acme/tenant.yaml:25: offerings.0.turnaround_days: must be between 1 and 60 business days',
    ],
    [
      'a license in a state written out',
      FULL.replace('jurisdiction: US-CO', 'jurisdiction: Colorado'),
      'acme/tenant.yaml:41: physicians.0.licenses.0.jurisdiction: must be a US state written as US-XX (e.g. US-IL) or a country code (e.g. MX)',
    ],
    [
      'a license expiring on a day that does not exist',
      FULL.replace('expires: 2030-01-31', 'expires: 2030-02-30'),
      'acme/tenant.yaml:43: physicians.0.licenses.0.expires: "2030-02-30" is not a date: write a real day as YYYY-MM-DD, e.g. 2027-06-30',
    ],
    [
      'a license expiring in a thirteenth month',
      FULL.replace('expires: 2030-01-31', 'expires: 2026-13-01'),
      'acme/tenant.yaml:43: physicians.0.licenses.0.expires: "2026-13-01" is not a date: write a real day as YYYY-MM-DD, e.g. 2027-06-30',
    ],
    [
      'a license number YAML reads as a number',
      FULL.replace('number: "CO-123"', 'number: 123'),
      'acme/tenant.yaml:42: physicians.0.licenses.0.number: must be text (put it in quotes if it looks like a number, a date or yes/no)',
    ],
    [
      'an unknown licensure route',
      FULL.replace('unlicensed_states: educational', 'unlicensed_states: refer'),
      'acme/tenant.yaml:13: licensure.unlicensed_states: must be one of physician_to_physician, educational, decline',
    ],
    [
      'a home state that is a country',
      FULL.replace('home_state: US-CO', 'home_state: MX'),
      'acme/tenant.yaml:12: licensure.home_state: must be a US state written as US-XX, e.g. US-IL',
    ],
    [
      'a physician in an unknown specialty',
      FULL.replace('specialties: [cardiology]', 'specialties: [cardiology, neurology]'),
      'acme/tenant.yaml:39: physicians.0.specialties.1: no specialty "neurology" under specialties',
    ],
    [
      'a specialty listed twice',
      FULL.replace('offerings:\n', '  - slug: cardiology\n    name: Heart\n    summary: Again.\noferings-placeholder\n').replace(
        'oferings-placeholder\n',
        'offerings:\n',
      ),
      'acme/tenant.yaml:19: specialties.1.slug: lists cardiology twice',
    ],
    [
      'an add-on code listed twice',
      FULL.replace('    intake_questions:', '      - code: imaging\n        name: Again\n        price: "1.00"\n    intake_questions:'),
      'acme/tenant.yaml:30: offerings.0.add_ons.1.code: lists imaging twice',
    ],
    [
      'a choice question without options',
      FULL.replace('type: text', 'type: choice'),
      'acme/tenant.yaml:31: offerings.0.intake_questions.0.options: a choice question needs at least two options',
    ],
    [
      'a price rule with two kinds of surcharge',
      FULL.replace('surcharge: "100.00"', 'surcharge: "100.00"\n    surcharge_percent: 10'),
      'acme/tenant.yaml:47: price_rules.0: give either surcharge or surcharge_percent, not both',
    ],
    [
      'an in-state price without a home state',
      FULL.replace('  home_state: US-CO\n', '').replace('region: out_of_state', 'region: in_state'),
      "acme/tenant.yaml:46: price_rules.0.region: in_state needs licensure.home_state (the hospital's own state)",
    ],
    [
      'a funding program that covers nothing',
      FULL.replace('    covers_percent: 100\n', ''),
      'acme/tenant.yaml:50: funding_programs.0: give either covers_percent or covers_amount',
    ],
    [
      'a Spanish site missing a Spanish name',
      FULL.replace('currency: USD', 'currency: USD\nlocales: [en, es]').replace('name: Cardiology', 'name: { en: Cardiology }'),
      'acme/tenant.yaml:18: specialties.0.name: needs its es text too, since locales lists es',
    ],
    [
      'a specialty with nothing to sell',
      FULL.replace('specialty: cardiology', 'specialty: surgery').replace(
        '  - slug: cardiology\n',
        '  - slug: surgery\n    name: Surgery\n    summary: Cuts.\n  - slug: cardiology\n',
      ),
      'acme/tenant.yaml:19: specialties.1.slug: cardiology has no offering: add one under offerings, or remove the specialty',
    ],
  ])('reports %s with the file, the line and the path', (_, yaml, expected) => {
    expect(problems('acme', yaml)).toEqual(Array.isArray(expected) ? expected : [expected]);
  });

  it('reports a physician photo that is not in assets/', () => {
    expect(problems('acme', FULL.replace('    title: Cardiologist', '    title: Cardiologist\n    photo: assets/ada.svg'))).toEqual([
      'acme/tenant.yaml:38: physicians.0.photo: assets/ada.svg does not exist in acme',
    ]);
  });

  it('reports a template override that does not parse, with its own file and line', () => {
    const dir = blueprint('acme', FULL);
    mkdirSync(path.join(dir, 'templates', 'marketing'), { recursive: true });
    writeFileSync(path.join(dir, 'templates', 'marketing', 'home.hbs'), '<h1>{{hero.title}}</h1>\n{{#if hero}}\n<p>never closed</p>\n');
    const result = loadBlueprint(dir, root);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      "acme/templates/marketing/home.hbs:4: not a valid template: Expecting 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF'",
    ]);
    rmSync(path.join(dir, 'templates'), { recursive: true });
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
    expect(report.valid.map((v) => v.blueprint.demo)).toEqual([true, true]);
    // Every specialty of the demo hospitals has a physician who can take a case today.
    expect(report.warnings.map(formatProblem)).toEqual([]);
  });

  it('refuses a second blueprint with a case prefix another one uses, naming its file and line', () => {
    const shared = mkdtempSync(path.join(tmpdir(), 'prefixes-'));
    const write = (slug: string) => {
      mkdirSync(path.join(shared, slug, 'assets'), { recursive: true });
      writeFileSync(path.join(shared, slug, 'tenant.yaml'), GOOD.replace('slug: acme', `slug: ${slug}`));
      writeFileSync(path.join(shared, slug, 'assets', 'logo.svg'), LOGO);
    };
    write('acme');
    write('beta');
    const report = validateBlueprints(shared, [], shared);
    expect(report.valid.map((v) => v.blueprint.slug)).toEqual(['acme']);
    expect(report.problems.map(formatProblem)).toEqual([
      'beta/tenant.yaml:3: case_prefix: ACM is already the case prefix of acme: choose 2 to 5 capital letters no other hospital uses',
    ]);
    rmSync(shared, { recursive: true });
  });

  it('warns (without refusing) about a specialty no physician can take a case in today', () => {
    const shared = mkdtempSync(path.join(tmpdir(), 'staffing-'));
    mkdirSync(path.join(shared, 'acme', 'assets'), { recursive: true });
    writeFileSync(path.join(shared, 'acme', 'tenant.yaml'), FULL.replace('expires: 2030-01-31', 'expires: 2020-01-31'));
    writeFileSync(path.join(shared, 'acme', 'assets', 'logo.svg'), LOGO);
    const report = validateBlueprints(shared, [], shared);
    expect(report.problems).toEqual([]);
    expect(report.warnings.map(formatProblem)).toEqual([
      'acme/tenant.yaml:16: specialties.0.slug: no physician can take a case in cardiology today (accepting new cases, weekly capacity above 0, a license current today): its pages say "not available right now" and the intake does not offer it',
    ]);
    rmSync(shared, { recursive: true });
  });
});
