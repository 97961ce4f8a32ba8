import { Injectable } from '@nestjs/common';
import { AppConfig, first, InvalidInput, msg, RequestContext, rows, SecretBox, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { STAFF_ROLES, StaffRole } from '../permissions';
import { OidcClients } from './oidc-clients';

/** A hospital's OpenID provider as its admin (or blueprint) set it up; the secret stays sealed until a sign-in needs it. */
export interface SsoConnection {
  id: string;
  displayName: string;
  issuer: string;
  clientId: string;
  /** Where the secret comes from: typed in the console (sealed here) or an environment variable's name. */
  secretSource: { sealed: string } | { env: string };
  allowedDomains: string[];
  roleClaim: string;
  /** A value of `roleClaim` (a group) -> the staff role it gives. */
  roleMap: Record<string, StaffRole>;
  /** `acr` values that mean the IdP checked a second factor (besides `amr` saying `mfa`). */
  mfaAcrValues: string[];
  requireSso: boolean;
  breakGlassEmail: string | null;
}

export interface SsoConnectionInput {
  displayName: string;
  issuer: string;
  clientId: string;
  /** Typed in the console; blank keeps the secret already stored. */
  clientSecret?: string;
  clientSecretEnv?: string;
  allowedDomains: string[];
  roleClaim: string;
  roleMap: Record<string, StaffRole>;
  mfaAcrValues: string[];
  requireSso: boolean;
  breakGlassEmail: string | null;
}

interface ConnectionRow {
  id: string;
  display_name: string;
  issuer: string;
  client_id: string;
  client_secret_sealed: string | null;
  client_secret_env: string | null;
  allowed_domains: string[];
  role_claim: string;
  role_map: Record<string, StaffRole>;
  mfa_acr_values: string[];
  require_sso: boolean;
  break_glass_email: string | null;
}

const SELECT = `SELECT id, display_name, issuer, client_id, client_secret_sealed, client_secret_env, allowed_domains, role_claim,
                       role_map, mfa_acr_values, require_sso, break_glass_email
                  FROM sso_connections WHERE protocol = 'oidc'`;

/** Parses "group = role" lines; each problem is a message beside the field. */
export function parseRoleMap(text: string, field = 'roleMap'): Record<string, StaffRole> {
  const map: Record<string, StaffRole> = {};
  for (const line of text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
    const [group, role] = line.split('=').map((part) => part?.trim());
    if (!group || !role || !(STAFF_ROLES as readonly string[]).includes(role))
      throw new InvalidInput({ [field]: msg('identity.sso.roleMapLine', { line: line.slice(0, 80) }) });
    map[group] = role as StaffRole;
  }
  if (!Object.keys(map).length) throw new InvalidInput({ [field]: msg('identity.sso.roleMapRequired') });
  return map;
}

export function formatRoleMap(map: Record<string, string>): string {
  return Object.entries(map)
    .map(([group, role]) => `${group} = ${role}`)
    .join('\n');
}

/** The hospital's single sign-on connection: read, saved by its admin, and the secret when a sign-in needs it. */
@Injectable()
export class SsoConnections {
  private readonly box: SecretBox;

  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly clients: OidcClients,
    config: AppConfig,
  ) {
    this.box = new SecretBox(config.appSecret, 'sso-client-secret');
  }

  current(): Promise<SsoConnection | null> {
    return this.db.transaction((tx) => this.currentIn(tx));
  }

  async currentIn(tx: EntityManager): Promise<SsoConnection | null> {
    const row = await first<ConnectionRow>(tx, SELECT);
    return row ? toConnection(row) : null;
  }

  /** The client secret in clear, only for the token request; a missing variable says which one to set. */
  clientSecret(connection: SsoConnection): string {
    if ('sealed' in connection.secretSource) return this.box.open(connection.secretSource.sealed);
    const value = process.env[connection.secretSource.env];
    if (!value) throw new InvalidInput({ _form: msg('identity.sso.secretEnvMissing', { name: connection.secretSource.env }) });
    return value;
  }

  /**
   * Saves the connection once the issuer answers as an OpenID provider (its discovery document names this issuer), so
   * a typo in the URL is a message beside that field, not a sign-in that fails later.
   */
  async save(input: SsoConnectionInput): Promise<void> {
    const existing = await this.current();
    const typedSecret = input.clientSecret?.trim();
    if (!typedSecret && !input.clientSecretEnv && !existing)
      throw new InvalidInput({ clientSecret: msg('identity.sso.clientSecretRequired') });
    if (input.clientSecretEnv && !process.env[input.clientSecretEnv])
      throw new InvalidInput({ clientSecretEnv: msg('identity.sso.secretEnvMissing', { name: input.clientSecretEnv }) });
    await this.clients.check(input.issuer);
    const sealed = typedSecret
      ? this.box.seal(typedSecret)
      : input.clientSecretEnv
        ? null
        : existing && 'sealed' in existing.secretSource
          ? existing.secretSource.sealed
          : null;
    const env = typedSecret
      ? null
      : (input.clientSecretEnv ?? (existing && 'env' in existing.secretSource ? existing.secretSource.env : null));
    await this.db.transaction((tx) =>
      tx.query(
        `INSERT INTO sso_connections (tenant_id, protocol, display_name, issuer, client_id, client_secret_sealed, client_secret_env,
                                      allowed_domains, role_claim, role_map, mfa_acr_values, require_sso, break_glass_email)
         VALUES ($1, 'oidc', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (tenant_id, protocol) DO UPDATE SET
           display_name = excluded.display_name, issuer = excluded.issuer, client_id = excluded.client_id,
           client_secret_sealed = excluded.client_secret_sealed, client_secret_env = excluded.client_secret_env,
           allowed_domains = excluded.allowed_domains, role_claim = excluded.role_claim, role_map = excluded.role_map,
           mfa_acr_values = excluded.mfa_acr_values, require_sso = excluded.require_sso,
           break_glass_email = excluded.break_glass_email, updated_at = now()`,
        [
          this.context.tenant().id,
          input.displayName.trim(),
          input.issuer.trim(),
          input.clientId.trim(),
          sealed,
          env,
          input.allowedDomains.map((d) => d.toLowerCase()),
          input.roleClaim.trim() || 'groups',
          JSON.stringify(input.roleMap),
          input.mfaAcrValues,
          input.requireSso,
          input.breakGlassEmail?.trim().toLowerCase() || null,
        ],
      ),
    );
    this.clients.forget(this.context.tenant().id);
  }

  /**
   * With "require single sign-on", staff passwords open nothing, except the break-glass admin's (who still passes
   * our second factor): the way in when the IdP itself is down.
   */
  async passwordAllowed(email: string): Promise<boolean> {
    // Either protocol's connection may require it (a hospital may have only SAML); each names its break-glass admin.
    const requiring = await this.db.transaction((tx) =>
      rows<{ break_glass_email: string | null }>(tx, 'SELECT break_glass_email FROM sso_connections WHERE require_sso'),
    );
    if (!requiring.length) return true;
    const who = email.trim().toLowerCase();
    return requiring.some((connection) => connection.break_glass_email === who);
  }
}

function toConnection(row: ConnectionRow): SsoConnection {
  return {
    id: row.id,
    displayName: row.display_name,
    issuer: row.issuer,
    clientId: row.client_id,
    secretSource: row.client_secret_sealed ? { sealed: row.client_secret_sealed } : { env: row.client_secret_env! },
    allowedDomains: row.allowed_domains,
    roleClaim: row.role_claim,
    roleMap: row.role_map,
    mfaAcrValues: row.mfa_acr_values,
    requireSso: row.require_sso,
    breakGlassEmail: row.break_glass_email,
  };
}
