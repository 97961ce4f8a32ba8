import { Injectable } from '@nestjs/common';
import { first } from '@consilium/core';
import { BlueprintInput, BlueprintSection, SectionApplyContext } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { OidcClients } from './oidc-clients';

/**
 * `sso:` of tenant.yaml, to and from `sso_connections`. The blueprint names the secret's environment variable only;
 * a connection whose secret an admin typed in the console is not exported (the secret cannot be written to a file).
 */
@Injectable()
export class SsoBlueprintSection implements BlueprintSection {
  readonly name = 'sso';
  readonly order = 60;

  constructor(private readonly clients: OidcClients) {}

  async apply({ tx, tenantId, blueprint, changes }: SectionApplyContext): Promise<void> {
    const oidc = blueprint.sso?.oidc;
    if (!oidc) return;
    const before = await first<{ issuer: string; client_id: string; client_secret_env: string | null; display_name: string }>(
      tx,
      `SELECT issuer, client_id, client_secret_env, display_name FROM sso_connections WHERE protocol = 'oidc'`,
    );
    await tx.query(
      `INSERT INTO sso_connections (tenant_id, protocol, display_name, issuer, client_id, client_secret_sealed, client_secret_env,
                                    allowed_domains, role_claim, role_map, mfa_acr_values, require_sso, break_glass_email)
       VALUES ($1, 'oidc', $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (tenant_id, protocol) DO UPDATE SET
         display_name = excluded.display_name, issuer = excluded.issuer, client_id = excluded.client_id,
         client_secret_sealed = NULL, client_secret_env = excluded.client_secret_env,
         allowed_domains = excluded.allowed_domains, role_claim = excluded.role_claim, role_map = excluded.role_map,
         mfa_acr_values = excluded.mfa_acr_values, require_sso = excluded.require_sso,
         break_glass_email = excluded.break_glass_email, updated_at = now()`,
      [
        tenantId,
        oidc.name,
        oidc.issuer,
        oidc.client_id,
        oidc.client_secret_env,
        oidc.allowed_domains,
        oidc.role_claim,
        JSON.stringify(oidc.roles),
        oidc.mfa_acr_values,
        oidc.require_sso,
        oidc.break_glass_email?.toLowerCase() ?? null,
      ],
    );
    if (
      !before ||
      before.issuer !== oidc.issuer ||
      before.client_id !== oidc.client_id ||
      before.client_secret_env !== oidc.client_secret_env
    )
      changes.push(`single sign-on: ${oidc.name} (${oidc.issuer})`);
    this.clients.forget(tenantId);
  }

  async export(tx: EntityManager): Promise<Partial<BlueprintInput>> {
    const row = await first<{
      display_name: string;
      issuer: string;
      client_id: string;
      client_secret_env: string | null;
      allowed_domains: string[];
      role_claim: string;
      role_map: Record<string, 'admin' | 'coordinator' | 'physician'>;
      mfa_acr_values: string[];
      require_sso: boolean;
      break_glass_email: string | null;
    }>(
      tx,
      `SELECT display_name, issuer, client_id, client_secret_env, allowed_domains, role_claim, role_map, mfa_acr_values, require_sso, break_glass_email
         FROM sso_connections WHERE protocol = 'oidc'`,
    );
    if (!row?.client_secret_env) return {};
    return {
      sso: {
        oidc: {
          name: row.display_name,
          issuer: row.issuer,
          client_id: row.client_id,
          client_secret_env: row.client_secret_env,
          allowed_domains: row.allowed_domains,
          role_claim: row.role_claim,
          roles: row.role_map,
          mfa_acr_values: row.mfa_acr_values,
          require_sso: row.require_sso,
          ...(row.break_glass_email ? { break_glass_email: row.break_glass_email } : {}),
        },
      },
    };
  }
}
