import { applyDecorators } from '@nestjs/common';
import { Can } from '@consilium/core';
import { ApiBearerAuth, ApiExtraModels, ApiOAuth2, ApiOperation, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemSchema } from './schemas/api.schemas';

const PROBLEM_WORDS: Record<number, string> = {
  400: 'Bad input: `errors` names each parameter (or body member, as a JSON pointer) and what to send instead.',
  401: 'No credential, or one that is revoked, expired or for another hospital.',
  403: 'The credential lacks the scope this call needs (`scope_missing` names it).',
  404: "Not found: also what another hospital's id answers.",
  409: 'The case is not in a state where this can happen.',
  415: 'The body is not JSON.',
  422: 'The Idempotency-Key was used before with a different body.',
};

/** The error answers of an operation, each an RFC 9457 problem. */
export function Problems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemSchema),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_WORDS[status] ?? 'A problem.',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemSchema) } } },
      }),
    ),
  );
}

/**
 * An /api/v1 operation that needs `scope` (an API key's scope, or an OAuth access token's): the access check and
 * the document say the same thing, from this one line. `api.access` means any live credential of the hospital.
 */
export function ApiScope(scope: string, operation: { summary: string; description?: string }) {
  const needs = scope === 'api.access' ? 'Any API key or access token of the hospital.' : `Scope: \`${scope}\`.`;
  return applyDecorators(
    Can(scope),
    ApiBearerAuth('apiKey'),
    ApiOAuth2(scope === 'api.access' ? [] : [scope], 'oauth2'),
    ApiOperation({ summary: operation.summary, description: [operation.description, needs].filter(Boolean).join('\n\n') }),
  );
}
