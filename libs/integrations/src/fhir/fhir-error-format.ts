import type { ErrorFormat } from '@consilium/core';
import type { OperationOutcome } from '@medplum/fhirtypes';

type IssueType = NonNullable<OperationOutcome['issue']>[number]['code'];

const ISSUE_CODES: Record<number, IssueType> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  415: 'not-supported',
  422: 'duplicate',
};

/**
 * Under /api/v1/fhir every error is an OperationOutcome (FHIR R4 §3.1.0.4), because that is what FHIR clients parse:
 * one issue per refused element, its FHIRPath in `expression`, and the words in the client's language in `details`.
 */
export const fhirErrorFormat: ErrorFormat = (error) => {
  const code = ISSUE_CODES[error.status] ?? (error.status >= 500 ? 'exception' : 'processing');
  const fields = Object.entries(error.fields ?? {});
  const outcome: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: fields.length
      ? fields.map(([expression, text]) => ({ severity: 'error', code, details: { text }, expression: [expression] }))
      : [{ severity: 'error', code, details: { text: error.message }, ...(error.hint ? { diagnostics: error.hint } : {}) }],
  };
  return {
    contentType: 'application/fhir+json; charset=utf-8',
    ...(error.status === 401 ? { headers: { 'www-authenticate': 'Bearer' } } : {}),
    body: outcome,
  };
};
