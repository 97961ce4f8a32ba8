import { JobError, PermanentJobError } from '@consilium/jobs';

/** SES answers that mean "this message will never be accepted as it is": retrying only delays the operator. */
const PERMANENT: Record<string, { code: string; hint: string }> = {
  MessageRejected: {
    code: 'ses_rejected',
    hint: 'Verify the From address (or its domain) in SES in this region; in the SES sandbox, recipients must be verified too.',
  },
  MailFromDomainNotVerifiedException: { code: 'ses_identity', hint: "Verify the sender's MAIL FROM domain in SES." },
  ConfigurationSetDoesNotExistException: {
    code: 'ses_configuration_set',
    hint: "Create the configuration set named in the tenant's email: block, or fix the name.",
  },
  ConfigurationSetSendingPausedException: { code: 'ses_paused', hint: "Resume sending for the tenant's configuration set in SES." },
  AccountSendingPausedException: { code: 'ses_paused', hint: 'Sending is paused for the whole SES account; resume it in SES.' },
  InvalidParameterValue: { code: 'ses_invalid', hint: 'SES refused a parameter of the message; check the tenant email settings.' },
};

/** Worth another attempt later: SES is busy or unreachable. The SDK has already retried quickly by then. */
const RETRYABLE = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'InternalFailure',
  'RequestTimeout',
]);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/**
 * Turns an SES SDK error into a job error an operator can act on. SES messages can quote recipient addresses (the
 * sandbox's "not verified" lists them): every address except the tenant's own From is removed.
 */
export function sesFailure(error: unknown, fromAddress: string, region: string): JobError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  const said = (e?.message ?? '').replace(EMAIL, (found) => (found.toLowerCase() === fromAddress ? found : '<recipient>')).slice(0, 400);
  const permanent = PERMANENT[name];
  if (permanent) {
    return new PermanentJobError(permanent.code, `SES (${region}) refused the message: ${name}: ${said} ${permanent.hint}`, {
      cause: error,
    });
  }
  const status = e?.$metadata?.httpStatusCode;
  if (RETRYABLE.has(name) || status === undefined || status >= 500) {
    return new JobError(
      'ses_unavailable',
      `SES (${region}) did not take the message now (${name}${status ? `, HTTP ${status}` : ''}): ${said}`,
      { cause: error },
    );
  }
  return new PermanentJobError('ses_refused', `SES (${region}) refused the message: ${name} (HTTP ${status}): ${said}`, { cause: error });
}
