import { IdentityError } from './csrf';

/**
 * An /api call without a credential (`api_credentials_required`), or with one that is not live on this hospital's
 * host (`api_token_invalid`): 401. Words: identity's `errors.<code>`.
 */
export class CredentialsRequired extends IdentityError {
  constructor(presented: boolean) {
    super(presented ? 'api_token_invalid' : 'api_credentials_required');
  }
}

/** A live credential without the scope the call needs: 403, naming the scope so an admin knows what to grant. */
export class ScopeMissing extends IdentityError {
  constructor(readonly scope: string) {
    super('api_scope_missing', { values: { scope } });
  }
}
