import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@consilium/audit';
import { RateLimitGuard } from '@consilium/core';
import { TenancyModule } from '@consilium/tenancy';
import { AccessGuard } from './access.guard';
import { Account } from './account.entity';
import { AccountsService } from './accounts.service';
import { ApiKeysService } from './api-keys.service';
import { CsrfTokens } from './csrf';
import { IDENTITY_CONTROLLERS } from './http/controllers';
import { DemoAccounts } from './demo/demo-accounts';
import { IdentityLayout } from './identity-layout';
import { MfaService } from './mfa.service';
import { OneTimeTokens } from './one-time-tokens.service';
import { OperatorAccounts } from './operators/operator-accounts.service';
import { SessionCookie } from './session-cookie';
import { SessionService } from './session.service';
import { StaffService } from './staff.service';
import { OperatorPasswordStrategy, PasswordStrategy } from './strategies/password.strategy';

/**
 * Accounts and access. The importing app must provide `AccountMail` (the notifications lib's implementation), so
 * account emails go through the same queue and branded layout as every other message.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Account]), PassportModule, AuditModule, TenancyModule],
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
    OneTimeTokens,
    OperatorAccounts,
    SessionCookie,
    SessionService,
    StaffService,
    PasswordStrategy,
    OperatorPasswordStrategy,
  ],
  exports: [AccountsService, ApiKeysService, DemoAccounts, OperatorAccounts, SessionService, StaffService, SessionCookie, MfaService],
})
export class IdentityModule {}
