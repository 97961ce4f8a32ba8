import { Body, HttpCode, Controller, Get, Header, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Can, InvalidInput, RateLimit, readForm, RequestContext, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { STAFF_ROLES } from '../permissions';
import { StaffService } from '../staff.service';

const roles = z.preprocess(
  (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.enum(STAFF_ROLES, { error: 'Choose roles from the list.' })).min(1, 'Choose at least one role.'),
);
const inviteForm = z.object({
  name: z.string().trim().min(1, 'Enter the person’s name.').max(200),
  email: z.email('Enter an email address like name@hospital.org.').max(254),
  roles,
  locale: z.enum(['en', 'es']).default('en'),
});

/** Admins manage their hospital's staff: invite, set roles, disable. */
@Controller('console/staff')
@TenantSite()
export class ConsoleStaffController {
  constructor(
    private readonly staff: StaffService,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
  ) {}

  @Can('staff.manage')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async list(): Promise<string> {
    return this.render({ values: {} });
  }

  @Can('staff.manage')
  @RateLimit('invitation', { address: 'email' })
  @Post()
  @HttpCode(200)
  async invite(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const form = readForm(inviteForm, body);
    let errors = form.ok ? {} : form.errors;
    if (form.ok) {
      try {
        await this.staff.invite({ ...form.data, roles: form.data.roles });
        return void reply.redirect('/console/staff?invited=1', 303);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        errors = error.fields ?? {};
      }
    }
    reply.status(400).header('content-type', 'text/html; charset=utf-8');
    return this.render({ values: form.ok ? form.data : form.values, errors });
  }

  @Can('staff.manage')
  @Post(':id/roles')
  @HttpCode(200)
  async setRoles(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const parsed = roles.safeParse(body.roles);
    if (!parsed.success) {
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.render({ values: {}, rowErrors: { [id]: parsed.error.issues[0].message } });
    }
    this.refuseSelf(id);
    await this.staff.setRoles(id, parsed.data);
    void reply.redirect('/console/staff?updated=1', 303);
  }

  @Can('staff.manage')
  @Post(':id/disable')
  @HttpCode(200)
  async disable(@Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    this.refuseSelf(id);
    await this.staff.setDisabled(id, true);
    void reply.redirect('/console/staff?updated=1', 303);
  }

  @Can('staff.manage')
  @Post(':id/enable')
  @HttpCode(200)
  async enable(@Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.staff.setDisabled(id, false);
    void reply.redirect('/console/staff?updated=1', 303);
  }

  /** An admin cannot lock themselves out by accident. */
  private refuseSelf(id: string): void {
    if (id === this.context.actor()?.id) throw new InvalidInput({ roles: 'You cannot change your own roles or disable yourself.' });
  }

  private async render(data: Record<string, unknown>): Promise<string> {
    const members = await this.staff.list();
    return this.views.render(
      'identity/staff',
      { title: 'Staff', members, allRoles: STAFF_ROLES, selfId: this.context.actor()?.id, ...data },
      { layout: 'console' },
    );
  }
}
