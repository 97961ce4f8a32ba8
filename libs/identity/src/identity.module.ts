import { Module, OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@consilium/audit';
import { OperatorDataModule } from '@consilium/core/operator-data';
import { RateLimitGuard } from '@consilium/core';
import { BlueprintSections, FirstAdminInvitations, TenancyModule } from '@consilium/tenancy';
import { AccessGuard } from './access.guard';
import { Account } from './account.entity';
import { AccountsService } from './accounts.service';
import { ApiKeysService } from './api-keys.service';
import { CsrfTokens } from './csrf';
import { IDENTITY_CONTROLLERS } from './http/controllers';
import { DemoAccounts } from './demo/demo-accounts';
import { StaffFirstAdminInvitations } from './first-admin-invitations';
import { AccountSettingsPage } from './http/account-settings.controller';
import { AuthFormPresenter } from './http/auth-form.presenter';
import { ConsoleMfaPresenter, InvitationPresenter } from './http/console-auth.controller';
import { ApiKeysPage } from './http/console-api-keys.controller';
import { StaffPage } from './http/console-staff.controller';
import { OperatorMfaPresenter } from './http/operator-auth.controller';
import { OperatorWelcomePage } from './http/operator-welcome.controller';
import { IdentityLayout } from './identity-layout';
import { MfaService } from './mfa.service';
import { OAuthTokens } from './oauth-tokens.service';
import { OneTimeTokens } from './one-time-tokens.service';
import { OperatorAccounts } from './operators/operator-accounts.service';
import { OperatorSignInLinks } from './operators/operator-sign-in-links';
import { TenantStaffInvitations } from './operators/tenant-staff-invitations';
import { SessionCookie } from './session-cookie';
import { SessionService } from './session.service';
import { StaffService } from './staff.service';
import { OidcClients } from './sso/oidc-clients';
import { ScimErrors } from './scim/scim-error';
import { ScimTokens } from './scim/scim-tokens.service';
import { ScimUsers } from './scim/scim-users.service';
import { OidcSignIn } from './sso/oidc-sign-in.service';
import { SsoAccounts } from './sso/sso-accounts';
import { SamlConnections } from './sso/saml-connections.service';
import { SamlSignIn } from './sso/saml-sign-in.service';
import { SsoBlueprintSection } from './sso/sso-blueprint.section';
import { SsoConnections } from './sso/sso-connections.service';
import { ConsoleSignInPage, SsoSettingsPage } from './http/console-sso.controller';
import { OperatorPasswordStrategy, PasswordStrategy } from './strategies/password.strategy';

/**
 * Accounts and access. The importing app must provide `AccountMail` (the notifications lib's implementation), so
 * account emails go through the same queue and branded layout as every other message.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Account]), PassportModule, AuditModule, TenancyModule, OperatorDataModule],
  controllers: IDENTITY_CONTROLLERS,
  providers: [
    { provide: APP_GUARD, useClass: AccessGuard },
    // Global guards run in the order they are declared: abuse limits after the access check, so a limit kept per
    // person knows the person, and a request refused for its CSRF token or its role spends nothing.
    { provide: APP_GUARD, useExisting: RateLimitGuard },
    AccountsService,
    ApiKeysService,
    CsrfTokens,
    DemoAccounts,
    IdentityLayout,
    MfaService,
    OAuthTokens,
    OneTimeTokens,
    OperatorAccounts,
    OperatorSignInLinks,
    TenantStaffInvitations,
    SessionCookie,
    SessionService,
    StaffService,
    OidcClients,
    OidcSignIn,
    SsoAccounts,
    SamlConnections,
    SamlSignIn,
    SsoBlueprintSection,
    ScimErrors,
    ScimTokens,
    ScimUsers,
    SsoConnections,
    PasswordStrategy,
    OperatorPasswordStrategy,
    { provide: FirstAdminInvitations, useClass: StaffFirstAdminInvitations },
    // Presenters: each page's model, and its forms shown again when refused.
    AuthFormPresenter,
    ConsoleMfaPresenter,
    InvitationPresenter,
    OperatorMfaPresenter,
    OperatorWelcomePage,
    AccountSettingsPage,
    StaffPage,
    ApiKeysPage,
    ConsoleSignInPage,
    SsoSettingsPage,
  ],
  exports: [
    AccountsService,
    ApiKeysService,
    OAuthTokens,
    DemoAccounts,
    OperatorAccounts,
    OperatorSignInLinks,
    TenantStaffInvitations,
    SessionService,
    StaffService,
    SessionCookie,
    MfaService,
  ],
})
export class IdentityModule implements OnModuleInit {
  constructor(
    private readonly sections: BlueprintSections,
    private readonly ssoSection: SsoBlueprintSection,
  ) {}

  onModuleInit(): void {
    this.sections.register(this.ssoSection);
  }
}
