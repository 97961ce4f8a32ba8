import { Body, Controller, Get, Injectable, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  Can,
  checkForm,
  field,
  Form,
  FormPresenter,
  InvalidInput,
  isPlatformLocale,
  Layout,
  msg,
  Page,
  parseForm,
  platformLocales,
  RateLimit,
  redirect,
  Redirect,
  RequestContext,
  StaffOnly,
} from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { STAFF_ROLES } from '../permissions';
import { StaffService } from '../staff.service';

const roles = field.choices(STAFF_ROLES, { min: 1, message: 'identity.staff.chooseRole' });
const inviteForm = z.object({
  name: field.text({ required: 'identity.staff.nameRequired' }),
  email: field.email('identity.staff.email'),
  roles,
  locale: z.preprocess((v) => v || 'en', z.string().refine(isPlatformLocale, 'core.form.choose')),
});
const rolesForm = z.object({ roles });

/** The staff page: members, the roles there are, and the languages an invitation can be written in. */
@Injectable()
export class StaffPage implements FormPresenter {
  constructor(
    private readonly staff: StaffService,
    private readonly context: RequestContext,
  ) {}

  refused(): Promise<Record<string, unknown>> {
    return this.model();
  }

  async model(): Promise<Record<string, unknown>> {
    return {
      members: await this.staff.list(),
      allRoles: STAFF_ROLES,
      languages: platformLocales(),
      selfId: this.context.actor()?.id,
    };
  }
}

const STAFF = { title: 'identity.staff.title' };

/** Admins manage their hospital's staff: invite, set roles, disable. */
@Controller('console/staff')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleStaffController {
  constructor(
    private readonly staff: StaffService,
    private readonly page: StaffPage,
    private readonly context: RequestContext,
  ) {}

  @Can('staff.manage')
  @Get()
  @Page('identity/staff', STAFF)
  list() {
    return this.page.model();
  }

  @Can('staff.manage')
  @RateLimit('invitation', { address: 'email' })
  @Post()
  @Form('identity/staff', { presenter: StaffPage, ...STAFF })
  async invite(@Body() body: unknown): Promise<Redirect> {
    await this.staff.invite(parseForm(inviteForm, body));
    return redirect('/console/staff?invited=1');
  }

  @Can('staff.manage')
  @Post(':id/roles')
  @Form('identity/staff', { presenter: StaffPage, ...STAFF })
  async setRoles(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown): Promise<Redirect> {
    const form = checkForm(rolesForm, body);
    // Beside the person's own row (`roles_<id>`), not the invitation form's roles.
    if (!form.ok) throw new InvalidInput({ [`roles_${id}`]: form.problems.roles });
    this.refuseSelf(id);
    await this.staff.setRoles(id, form.data.roles);
    return redirect('/console/staff?updated=1');
  }

  @Can('staff.manage')
  @Post(':id/disable')
  @Form('identity/staff', { presenter: StaffPage, ...STAFF })
  async disable(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    this.refuseSelf(id);
    await this.staff.setDisabled(id, true);
    return redirect('/console/staff?updated=1');
  }

  @Can('staff.manage')
  @Post(':id/enable')
  async enable(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    await this.staff.setDisabled(id, false);
    return redirect('/console/staff?updated=1');
  }

  /** An admin cannot lock themselves out by accident. */
  private refuseSelf(id: string): void {
    if (id === this.context.actor()?.id) throw new InvalidInput({ [`roles_${id}`]: msg('identity.staff.self') });
  }
}
