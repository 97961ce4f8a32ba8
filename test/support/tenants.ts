import { BlueprintApplier, blueprintSchema, LoadedBlueprint, sniffImage } from '@consilium/tenancy';
import { INestApplicationContext } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';

export interface TestTenant {
  id: string;
  slug: string;
  name: string;
  host: string;
}

const LOGO = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');

/**
 * A fresh tenant with a unique slug, applied through the same operator path as blueprints (medplum's
 * createTestProject). Later issues add its staff, physicians and a patient here, so every suite can test the
 * other tenant too.
 */
export async function createTestTenant(app: INestApplicationContext, overrides: Record<string, unknown> = {}): Promise<TestTenant> {
  const slug = `t-${randomBytes(5).toString('hex')}`;
  const blueprint = blueprintSchema.parse({
    slug,
    name: `Test Hospital ${slug}`,
    case_prefix: 'TST',
    time_zone: 'America/New_York',
    currency: 'USD',
    branding: { logo: 'assets/logo.svg', colors: { primary: '#123456', accent: '#abcdef' } },
    ...overrides,
  });
  const loaded: LoadedBlueprint = {
    dir: `/virtual/${slug}`,
    file: `tenants/${slug}/tenant.yaml`,
    blueprint,
    assets: [{ name: 'logo.svg', contentType: sniffImage(LOGO)!, bytes: LOGO, sha256: createHash('sha256').update(LOGO).digest('hex') }],
  };
  const result = await app.get(BlueprintApplier).apply(loaded);
  return { id: result.tenantId, slug, name: blueprint.name, host: `${slug}.localhost` };
}
