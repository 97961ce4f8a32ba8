import { Body, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { Public } from '@consilium/core';
import { OAuthError, OAuthTokens } from '@consilium/identity';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiController } from '../api-controller.decorator';
import { OAuthErrorSchema, TokenRequestSchema, TokenResponseSchema } from '../schemas/api.schemas';

/** RFC 6749 §2.3.1: HTTP Basic with the form-urlencoded client id and secret. */
function basicCredentials(authorization: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const unescape = (v: string) => {
    try {
      return decodeURIComponent(v.replace(/\+/g, ' '));
    } catch {
      return v;
    }
  };
  return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The OAuth 2.0 token endpoint, client credentials grant only: a hospital's server trades its client id and secret
 * for a bearer token. Errors follow RFC 6749 §5.2 (`error`, `error_description`), which OAuth libraries read.
 */
@ApiController('api/v1/oauth', 'Credentials')
export class OAuthTokenController {
  constructor(private readonly tokens: OAuthTokens) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Get an access token (OAuth 2.0 client credentials)',
    description:
      'Authenticate with HTTP Basic (client id and secret) or `client_id` and `client_secret` in the body. The token lives an hour by default; ask for a new one when it expires.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenRequestSchema })
  @ApiOkResponse({ type: TokenResponseSchema })
  @ApiResponse({ status: 400, type: OAuthErrorSchema, description: 'invalid_request, unsupported_grant_type or invalid_scope.' })
  @ApiResponse({ status: 401, type: OAuthErrorSchema, description: 'invalid_client.' })
  async token(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseSchema> {
    const form = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (text(form.grant_type) !== 'client_credentials') {
      throw form.grant_type === undefined
        ? new OAuthError('invalid_request', 'noGrantType')
        : new OAuthError('unsupported_grant_type', 'unsupportedGrantType');
    }
    const basic = basicCredentials(authorization);
    const id = basic?.id ?? text(form.client_id);
    const secret = basic?.secret ?? text(form.client_secret);
    if (!id || !secret) {
      throw new OAuthError('invalid_client', 'noClientCredentials');
    }
    const issued = await this.tokens.issue(id, secret, text(form.scope));
    reply.header('pragma', 'no-cache');
    return { access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scopes.join(' ') };
  }
}
