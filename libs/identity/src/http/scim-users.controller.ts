import { Body, Controller, Delete, Get, Param, Patch, Post, Put, Query, Res, UseFilters } from '@nestjs/common';
import { Can } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { ScimErrors } from '../scim/scim-error';
import { ScimUsers } from '../scim/scim-users.service';

const SCIM_JSON = 'application/scim+json; charset=utf-8';

/**
 * SCIM 2.0 `/scim/v2/Users` on the hospital's own host, for its directory (Entra ID, Okta...), authenticated by a
 * bearer token the hospital's admin created. Answers and errors are SCIM's JSON; statuses are the RFC's (201, 204),
 * which is why this API sets them itself.
 */
@Controller('scim/v2/Users')
@TenantSite()
@UseFilters(ScimErrors)
export class ScimUsersController {
  constructor(private readonly users: ScimUsers) {}

  @Can('scim.provision')
  @Get()
  async list(
    @Query('filter') filter: string | undefined,
    @Query('startIndex') startIndex: string | undefined,
    @Query('count') count: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    reply.header('content-type', SCIM_JSON);
    return this.users.list(filter, Number(startIndex ?? 1), Number(count ?? 100));
  }

  @Can('scim.provision')
  @Get(':id')
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('content-type', SCIM_JSON);
    return this.users.get(id);
  }

  @Can('scim.provision')
  @Post()
  async create(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const user = await this.users.create(body);
    reply
      .status(201)
      .header('content-type', SCIM_JSON)
      .header('location', (user.meta as { location: string }).location);
    return user;
  }

  @Can('scim.provision')
  @Patch(':id')
  async patch(@Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('content-type', SCIM_JSON);
    return this.users.patch(id, body);
  }

  /** PUT replaces what the platform keeps of the person (name, externalId, active); userName cannot change. */
  @Can('scim.provision')
  @Put(':id')
  async replace(@Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('content-type', SCIM_JSON);
    return this.users.replace(id, body);
  }

  @Can('scim.provision')
  @Delete(':id')
  async remove(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.users.remove(id);
    reply.status(204);
  }
}
