import { Controller, Get, Param, Res, UseFilters } from '@nestjs/common';
import { AppConfig, Can, msg, RequestContext } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { listOf, serviceProviderConfig, userResourceType, userSchema } from '../scim/scim-discovery';
import { ScimError, ScimErrors } from '../scim/scim-error';

const SCIM_JSON = 'application/scim+json; charset=utf-8';

/**
 * SCIM's discovery endpoints (RFC 7644 §4), which directories such as Entra ID and Okta read when a connection is set
 * up. Behind the same hospital token as /Users: the answers are the same for every hospital, but nothing on /scim/v2
 * answers a caller the hospital has not let in.
 */
@Controller('scim/v2')
@TenantSite()
@UseFilters(ScimErrors)
export class ScimDiscoveryController {
  constructor(
    private readonly config: AppConfig,
    private readonly context: RequestContext,
  ) {}

  @Can('scim.provision')
  @Get('ServiceProviderConfig')
  serviceProviderConfig(@Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('content-type', SCIM_JSON);
    return serviceProviderConfig(this.base());
  }

  @Can('scim.provision')
  @Get('ResourceTypes')
  resourceTypes(@Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('content-type', SCIM_JSON);
    return listOf([userResourceType(this.base())]);
  }

  @Can('scim.provision')
  @Get('ResourceTypes/:id')
  resourceType(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    if (id !== 'User') throw new ScimError(404, msg('identity.scim.notFound'));
    reply.header('content-type', SCIM_JSON);
    return userResourceType(this.base());
  }

  @Can('scim.provision')
  @Get('Schemas')
  schemas(@Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('content-type', SCIM_JSON);
    return listOf([userSchema(this.base())]);
  }

  @Can('scim.provision')
  @Get('Schemas/:id')
  schema(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const schema = userSchema(this.base());
    if (id !== schema.id) throw new ScimError(404, msg('identity.scim.notFound'));
    reply.header('content-type', SCIM_JSON);
    return schema;
  }

  private base(): string {
    return `${this.config.originFor(this.context.host()!)}/scim/v2`;
  }
}
