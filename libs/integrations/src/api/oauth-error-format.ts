import { ErrorFormat, problemDetails } from '@consilium/core';

const OAUTH_ERRORS = new Set(['invalid_request', 'invalid_client', 'unsupported_grant_type', 'invalid_scope']);

/**
 * The token endpoint answers errors as RFC 6749 §5.2 has it (`error`, `error_description`), because that is what
 * OAuth client libraries parse. A request it could not even read (bad JSON) is `invalid_request`; a failure of ours
 * stays a problem document.
 */
export const oauthErrorFormat: ErrorFormat = (error, context) => {
  if (error.status >= 500) return problemDetails(error, context);
  const code = OAUTH_ERRORS.has(error.code) ? error.code : error.status === 401 ? 'invalid_client' : 'invalid_request';
  return {
    contentType: 'application/json; charset=utf-8',
    headers: {
      'cache-control': 'no-store',
      pragma: 'no-cache',
      ...(code === 'invalid_client' ? { 'www-authenticate': 'Basic realm="api"' } : {}),
    },
    body: { error: code, error_description: error.message },
  };
};
