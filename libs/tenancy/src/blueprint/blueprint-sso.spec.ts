import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatProblem, loadBlueprint } from './blueprint-loader';

const BASE = `slug: acme
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

/** `sso:` as an operator writes it; lines 12 to 20 of the file. */
const SSO = (extra = '') => `sso:
  oidc:
    name: Acme Entra ID
    issuer: https://login.example.org
    client_id: acme-console
    client_secret_env: ACME_OIDC_SECRET
    allowed_domains: [acme.example.org]
    roles:
      doctors: physician
${extra}`;

let root: string;

function folder(yaml: string): string {
  const dir = path.join(root, 'acme');
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'tenant.yaml'), yaml);
  writeFileSync(path.join(dir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
  return dir;
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'blueprint-sso-'));
  delete process.env.ACME_OIDC_SECRET;
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  delete process.env.ACME_OIDC_SECRET;
});

describe('blueprint single sign-on', () => {
  it('accepts an OpenID provider whose secret is in the environment', () => {
    process.env.ACME_OIDC_SECRET = 'from the environment';
    const result = loadBlueprint(folder(BASE + SSO()), root);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.loaded.blueprint.sso?.oidc).toMatchObject({ role_claim: 'groups', require_sso: false, roles: { doctors: 'physician' } });
  });

  it('says which environment variable to set, at its file, line and path', () => {
    const result = loadBlueprint(folder(BASE + SSO()), root);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem)).toEqual([
      'acme/tenant.yaml:16: sso.oidc.client_secret_env: names ACME_OIDC_SECRET, which is not set: set it to the client secret your identity provider gave',
    ]);
  });

  it('refuses a secret written in the file and a role that does not exist', () => {
    process.env.ACME_OIDC_SECRET = 'set';
    const result = loadBlueprint(folder(BASE + SSO('      nurses: nurse\n    client_secret: hunter2\n')), root);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problems = result.problems.map(formatProblem).join('\n');
    expect(problems).toContain('sso.oidc.roles.nurses: must be admin, coordinator or physician');
    expect(problems).toContain('sso.oidc.client_secret: secrets never go in a blueprint');
    expect(problems).not.toContain('hunter2');
  });

  it('refuses require_sso without a break-glass admin, who keeps the hospital from being locked out', () => {
    process.env.ACME_OIDC_SECRET = 'set';
    const result = loadBlueprint(folder(BASE + SSO('    require_sso: true\n')), root);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem)).toEqual([
      'acme/tenant.yaml:12: sso.oidc.break_glass_email: must name the break-glass admin when require_sso is true',
    ]);
  });

  it('refuses require_sso without a break-glass admin for a SAML IdP too', () => {
    const saml = `sso:
  saml:
    name: Acme ADFS
    allowed_domains: [acme.example.org]
    roles:
      doctors: physician
    require_sso: true
    metadata: |
      <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sts.acme.example.org"/>
`;
    const result = loadBlueprint(folder(BASE + saml), root);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem)).toContain(
      'acme/tenant.yaml:12: sso.saml.break_glass_email: must name the break-glass admin when require_sso is true',
    );
  });

  it('says what is wrong with a SAML IdP’s metadata, at its line', () => {
    const saml = `sso:
  saml:
    name: Acme ADFS
    allowed_domains: [acme.example.org]
    roles:
      doctors: physician
    metadata: |
      <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sts.acme.example.org"/>
`;
    const result = loadBlueprint(folder(BASE + saml), root);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem)).toEqual([
      'acme/tenant.yaml:17: sso.saml.metadata: describes no identity provider (no IDPSSODescriptor with an entityID): use the IdP’s own metadata',
    ]);
  });
});
