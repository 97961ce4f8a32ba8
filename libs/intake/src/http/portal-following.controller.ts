import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, field, Form, FormBody, Page, parseForm, RateLimit, redirect, Redirect } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { CaseFollowing } from '../case-following.service';
import { PortalCasePage } from './portal-case.page';

const inviteForm = z.object({ email: field.email('intake.follow.email') });

/**
 * Following a request made for someone else: the requester invites the adult patient (an email with a one-time
 * link), the patient opens the link signed in with their own account and follows the case, and may then remove the
 * requester. The link's page sends no referrer, so the token stays out of other sites' logs.
 */
@Controller()
@TenantSite()
export class PortalFollowingController {
  constructor(private readonly following: CaseFollowing) {}

  @Can('portal.access')
  @Audited({ action: 'case.follower_invite', entityType: 'case', param: 'id' })
  @RateLimit('messages')
  @Post('account/cases/:id/followers')
  @Form('intake/portal-case', { presenter: PortalCasePage })
  async invite(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.following.invite(id, parseForm(inviteForm, body).email.toLowerCase());
    return redirect(`/account/cases/${id}?invited=1#patient`);
  }

  @Can('portal.access')
  @Audited({ action: 'case.requester_remove', entityType: 'case', param: 'id' })
  @Post('account/cases/:id/followers/remove-requester')
  async removeRequester(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    await this.following.removeRequester(id);
    return redirect(`/account/cases/${id}?removed=1#patient`);
  }

  @Can('portal.access')
  @Get('follow/:token')
  @Page('intake/follow', { title: 'intake.follow.title', headers: { 'referrer-policy': 'no-referrer' } })
  async invitation(@Param('token') token: string) {
    return { token, ...(await this.following.invitation(token)) };
  }

  @Can('portal.access')
  @Audited({ action: 'case.follower_join', entityType: 'case' })
  @Post('follow/:token')
  async accept(@Param('token') token: string): Promise<Redirect> {
    return redirect(`/account/cases/${await this.following.accept(token)}`);
  }
}
