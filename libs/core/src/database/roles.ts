/**
 * The three database roles of DESIGN.md. Migrations grant to these names, so they are fixed.
 * - owner: owns every table; only migrations connect as it.
 * - runtime: what the platform and worker connect as; NOSUPERUSER, NOBYPASSRLS, owns nothing.
 * - operator: the small operator data path (onboarding, cross-tenant benchmarks); BYPASSRLS, owns nothing.
 */
export const DB_ROLES = {
  owner: 'consilium_owner',
  runtime: 'consilium_app',
  operator: 'consilium_operator',
} as const;

export type DbRoleName = keyof typeof DB_ROLES;
