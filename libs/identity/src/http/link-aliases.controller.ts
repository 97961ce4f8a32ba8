import { Controller, Get, Query, Res } from '@nestjs/common';
import { NotFound, Public } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';

const TOKEN = /^[A-Za-z0-9_-]{32,256}$/;

/**
 * The link forms the email catalogue writes (`/auth/...?token=`), sent on to the pages that handle them. The pages
 * show a form first and only act on POST, so a mail scanner opening a link uses nothing up.
 */
@Controller()
@TenantSite()
export class LinkAliasesController {
  @Public()
  @Get('auth/reset-password')
  reset(@Query('token') token: string, @Res() reply: FastifyReply): void {
    this.send(reply, token, (t) => `/reset-password/${t}`);
  }

  @Public()
  @Get('auth/sign-in/link')
  link(@Query('token') token: string, @Res() reply: FastifyReply): void {
    this.send(reply, token, (t) => `/sign-in/link/${t}`);
  }

  @Public()
  @Get('console/invitations/accept')
  invitation(@Query('token') token: string, @Res() reply: FastifyReply): void {
    this.send(reply, token, (t) => `/console/invitation/${t}`);
  }

  private send(reply: FastifyReply, token: string, to: (token: string) => string): void {
    if (typeof token !== 'string' || !TOKEN.test(token)) throw new NotFound();
    void reply.header('referrer-policy', 'no-referrer').redirect(to(token), 303);
  }
}
