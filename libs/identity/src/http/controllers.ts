import { ConsoleAccountSettingsController, SiteAccountSettingsController } from './account-settings.controller';
import { ApiWhoamiController } from './api-whoami.controller';
import { ConsoleApiKeysController } from './console-api-keys.controller';
import { ConsoleAuthController } from './console-auth.controller';
import { ConsoleSsoController } from './console-sso.controller';
import { ConsoleStaffController } from './console-staff.controller';
import { EmailVerificationController } from './email-verification.controller';
import { OperatorAuthController } from './operator-auth.controller';
import { OperatorWelcomeController } from './operator-welcome.controller';
import { ScimDiscoveryController } from './scim-discovery.controller';
import { ScimUsersController } from './scim-users.controller';
import { SiteAuthController } from './site-auth.controller';

/** Every HTTP surface of identity, registered by IdentityModule. */
export const IDENTITY_CONTROLLERS = [
  SiteAuthController,
  EmailVerificationController,
  SiteAccountSettingsController,
  ConsoleAuthController,
  ConsoleAccountSettingsController,
  ConsoleStaffController,
  ConsoleApiKeysController,
  ConsoleSsoController,
  OperatorAuthController,
  OperatorWelcomeController,
  ApiWhoamiController,
  ScimUsersController,
  ScimDiscoveryController,
];
