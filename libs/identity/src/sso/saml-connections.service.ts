import { Injectable } from '@nestjs/common';
import { AppConfig, first, InvalidInput, msg, RequestContext, TenantDatabase } from '@consilium/core';
import { StaffRole } from '../permissions';
import { IdpMetadata, parseIdpMetadata } from '@consilium/tenancy';
import { fetchText, PrivateAddressRefused } from './metadata-fetch';

/** A hospital's SAML 2.0 IdP, from its metadata. */
export interface SamlConnection {
  id: string;
  displayName: string;
  entityId: string;
  ssoUrl: string;
  certs: string[];
  allowedDomains: string[];
  /** The assertion attribute with the person's groups. */
  roleAttribute: string;
  roleMap: Record<string, StaffRole>;
  /** AuthnContextClassRef values that mean the IdP checked a second factor. */
  mfaContexts: string[];
  requireSso: boolean;
  breakGlassEmail: string | null;
}

export interface SamlConnectionInput {
  displayName: string;
  metadataXml?: string;
  metadataUrl?: string;
  allowedDomains: string[];
  roleAttribute: string;
  roleMap: Record<string, StaffRole>;
  mfaContexts: string[];
  requireSso: boolean;
  breakGlassEmail: string | null;
}

/** Reading an IdP's metadata by URL waits this long at most. */
const METADATA_TIMEOUT_MS = 5000;

/** The IdP's metadata, or what is missing from it as a message beside the field. */
export function readIdpMetadata(xml: string, field = 'samlMetadata'): IdpMetadata {
  const parsed = parseIdpMetadata(xml);
  if (!parsed.ok) throw new InvalidInput({ [field]: msg(`identity.saml.${parsed.problem}`) });
  return parsed.metadata;
}

@Injectable()
export class SamlConnections {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  async current(): Promise<SamlConnection | null> {
    const row = await this.db.transaction((tx) =>
      first<{
        id: string;
        display_name: string;
        issuer: string;
        saml_entry_point: string;
        saml_idp_certs: string[];
        allowed_domains: string[];
        role_claim: string;
        role_map: Record<string, StaffRole>;
        mfa_acr_values: string[];
        require_sso: boolean;
        break_glass_email: string | null;
      }>(
        tx,
        `SELECT id, display_name, issuer, saml_entry_point, saml_idp_certs, allowed_domains, role_claim, role_map, mfa_acr_values,
                require_sso, break_glass_email
           FROM sso_connections WHERE protocol = 'saml'`,
      ),
    );
    return row
      ? {
          id: row.id,
          displayName: row.display_name,
          entityId: row.issuer,
          ssoUrl: row.saml_entry_point,
          certs: row.saml_idp_certs,
          allowedDomains: row.allowed_domains,
          roleAttribute: row.role_claim,
          roleMap: row.role_map,
          mfaContexts: row.mfa_acr_values,
          requireSso: row.require_sso,
          breakGlassEmail: row.break_glass_email,
        }
      : null;
  }

  /** Saves the IdP once its metadata (pasted, or read from its URL) names an IdP, its sign-on address and its keys. */
  async save(input: SamlConnectionInput): Promise<void> {
    const metadata = input.metadataXml?.trim()
      ? readIdpMetadata(input.metadataXml)
      : input.metadataUrl?.trim()
        ? await this.fetchMetadata(input.metadataUrl.trim())
        : undefined;
    if (!metadata) throw new InvalidInput({ samlMetadata: msg('identity.saml.metadataRequired') });
    await this.db.transaction((tx) =>
      tx.query(
        `INSERT INTO sso_connections (tenant_id, protocol, display_name, issuer, saml_entry_point, saml_idp_certs, allowed_domains,
                                      role_claim, role_map, mfa_acr_values, require_sso, break_glass_email)
         VALUES ($1, 'saml', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (tenant_id, protocol) DO UPDATE SET
           display_name = excluded.display_name, issuer = excluded.issuer, saml_entry_point = excluded.saml_entry_point,
           saml_idp_certs = excluded.saml_idp_certs, allowed_domains = excluded.allowed_domains, role_claim = excluded.role_claim,
           role_map = excluded.role_map, mfa_acr_values = excluded.mfa_acr_values, require_sso = excluded.require_sso,
           break_glass_email = excluded.break_glass_email, updated_at = now()`,
        [
          this.context.tenant().id,
          input.displayName.trim(),
          metadata.entityId,
          metadata.ssoUrl,
          metadata.certs,
          input.allowedDomains.map((d) => d.toLowerCase()),
          input.roleAttribute.trim() || 'groups',
          JSON.stringify(input.roleMap),
          input.mfaContexts,
          input.requireSso,
          input.breakGlassEmail?.trim().toLowerCase() || null,
        ],
      ),
    );
  }

  /** The IdP's metadata from its URL; an address inside this machine's network is refused unless the config allows it. */
  private async fetchMetadata(url: string): Promise<IdpMetadata> {
    let xml: string;
    try {
      xml = await fetchText(url, { allowPrivate: this.config.fetchPrivateAddresses, timeoutMs: METADATA_TIMEOUT_MS });
    } catch (error) {
      const problem = error instanceof PrivateAddressRefused ? 'metadataUrlPrivate' : 'metadataUrlUnreachable';
      throw new InvalidInput({ samlMetadataUrl: msg(`identity.saml.${problem}`, { url: url.slice(0, 300) }) });
    }
    return readIdpMetadata(xml, 'samlMetadataUrl');
  }
}
