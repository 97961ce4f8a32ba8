import { Injectable } from '@nestjs/common';
import { first } from '@consilium/core';
import { BlueprintInput, BlueprintSection, parseIdpMetadata, SectionApplyContext } from '@consilium/tenancy';
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

  async apply(context: SectionApplyContext): Promise<void> {
    await this.applyOidc(context);
    await this.applySaml(context);
  }

  private async applySaml({ tx, tenantId, blueprint, changes }: SectionApplyContext): Promise<void> {
    const saml = blueprint.sso?.saml;
    if (!saml) return;
    const parsed = parseIdpMetadata(saml.metadata);
    // The schema refused bad metadata already; this only narrows the type.
    if (!parsed.ok) throw new Error(`sso.saml.metadata: ${parsed.problem}`);
    const { entityId, ssoUrl, certs } = parsed.metadata;
    const before = await first<{ issuer: string }>(tx, `SELECT issuer FROM sso_connections WHERE tenant_id = $1 AND protocol = 'saml'`, [
      tenantId,
    ]);
    await tx.query(
      `INSERT INTO sso_connections (tenant_id, protocol, display_name, issuer, saml_entry_point, saml_idp_certs, allowed_domains,
                                    role_claim, role_map, mfa_acr_values, require_sso, break_glass_email)
       VALUES ($1, 'saml', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (tenant_id, protocol) DO UPDATE SET
         display_name = excluded.display_name, issuer = excluded.issuer, saml_entry_point = excluded.saml_entry_point,
         saml_idp_certs = excluded.saml_idp_certs, allowed_domains = excluded.allowed_domains, role_claim = excluded.role_claim,
         role_map = excluded.role_map, mfa_acr_values = excluded.mfa_acr_values, require_sso = excluded.require_sso,
         break_glass_email = excluded.break_glass_email, updated_at = now()`,
      [
        tenantId,
        saml.name,
        entityId,
        ssoUrl,
        certs,
        saml.allowed_domains,
        saml.role_attribute,
        JSON.stringify(saml.roles),
        saml.mfa_contexts,
        saml.require_sso,
        saml.break_glass_email?.toLowerCase() ?? null,
      ],
    );
    if (before?.issuer !== entityId) changes.push(`single sign-on: ${saml.name} (SAML, ${entityId})`);
  }

  private async applyOidc({ tx, tenantId, blueprint, changes }: SectionApplyContext): Promise<void> {
    const oidc = blueprint.sso?.oidc;
    if (!oidc) return;
    const before = await first<{ issuer: string; client_id: string; client_secret_env: string | null; display_name: string }>(
      tx,
      `SELECT issuer, client_id, client_secret_env, display_name FROM sso_connections WHERE tenant_id = $1 AND protocol = 'oidc'`,
      [tenantId],
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

  async export(tx: EntityManager, tenantId: string): Promise<Partial<BlueprintInput>> {
    const rows = await tx.query<
      {
        protocol: 'oidc' | 'saml';
        display_name: string;
        issuer: string;
        client_id: string | null;
        client_secret_env: string | null;
        allowed_domains: string[];
        role_claim: string;
        role_map: Record<string, 'admin' | 'coordinator' | 'physician'>;
        mfa_acr_values: string[];
        require_sso: boolean;
        break_glass_email: string | null;
        saml_entry_point: string | null;
        saml_idp_certs: string[] | null;
      }[]
    >(
      `SELECT protocol, display_name, issuer, client_id, client_secret_env, allowed_domains, role_claim, role_map, mfa_acr_values,
              require_sso, break_glass_email, saml_entry_point, saml_idp_certs
         FROM sso_connections WHERE tenant_id = $1 ORDER BY protocol`,
      [tenantId],
    );
    const oidc = rows.find((r) => r.protocol === 'oidc' && r.client_secret_env);
    const saml = rows.find((r) => r.protocol === 'saml');
    if (!oidc && !saml) return {};
    return {
      sso: {
        ...(oidc
          ? {
              oidc: {
                name: oidc.display_name,
                issuer: oidc.issuer,
                client_id: oidc.client_id!,
                client_secret_env: oidc.client_secret_env!,
                allowed_domains: oidc.allowed_domains,
                role_claim: oidc.role_claim,
                roles: oidc.role_map,
                mfa_acr_values: oidc.mfa_acr_values,
                require_sso: oidc.require_sso,
                ...(oidc.break_glass_email ? { break_glass_email: oidc.break_glass_email } : {}),
              },
            }
          : {}),
        ...(saml
          ? {
              saml: {
                name: saml.display_name,
                metadata: metadataXml(saml.issuer, saml.saml_entry_point!, saml.saml_idp_certs ?? []),
                allowed_domains: saml.allowed_domains,
                role_attribute: saml.role_claim,
                roles: saml.role_map,
                mfa_contexts: saml.mfa_acr_values,
                require_sso: saml.require_sso,
                ...(saml.break_glass_email ? { break_glass_email: saml.break_glass_email } : {}),
              },
            }
          : {}),
      },
    };
  }
}

/** The IdP's metadata as stored (what the platform uses of it), written back as a metadata document. */
function metadataXml(entityId: string, ssoUrl: string, certs: string[]): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const keys = certs
    .map((pem) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''))
    .map(
      (b64) =>
        `    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('\n');
  return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${escape(entityId)}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
${keys}
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${escape(ssoUrl)}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}
