import { Controller, Get, Param, Res } from '@nestjs/common';
import { AuditLog } from '@consilium/audit';
import { Case, LocalPhysicianInvitations } from '@consilium/cases';
import { NotFound, Page, RequestContext, Public, TenantDatabase } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { Opinion } from '../opinion.entity';
import { OpinionDelivery } from '../opinion-delivery.service';
import { OpinionAttributions } from '../opinion-attribution';
import { OpinionPage } from './opinion-page';

/**
 * The patient's own physician, invited by a single-purpose link on a physician-to-physician route, reads that one
 * opinion (page and letter). The token is the only credential and opens nothing else: any other path, token or case
 * is a 404, and no session is created. Each read is audited with the case it opened.
 */
@Controller('shared-opinion/:token')
@TenantSite()
export class SharedOpinionController {
  constructor(
    private readonly db: TenantDatabase,
    private readonly invitations: LocalPhysicianInvitations,
    private readonly delivery: OpinionDelivery,
    private readonly page: OpinionPage,
    private readonly attributions: OpinionAttributions,
    private readonly context: RequestContext,
    private readonly audit: AuditLog,
  ) {}

  @Public()
  @Get()
  @Page('opinions/portal-opinion', { headers: { 'referrer-policy': 'no-referrer' } })
  async show(@Param('token') token: string) {
    const found = await this.latest(token, 'opinion.read');
    return this.page.model(found, { pdfUrl: `/shared-opinion/${encodeURIComponent(token)}/letter.pdf` });
  }

  @Public()
  @Get('letter.pdf')
  async pdf(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    const { opinion } = await this.latest(token, 'opinion.download');
    const pdf = await this.delivery.letter(opinion.id);
    if (!pdf) throw new NotFound();
    void reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', 'attachment; filename="second-opinion.pdf"')
      .header('cache-control', 'no-store')
      .send(pdf);
  }

  private latest(token: string, action: string) {
    return this.db
      .transaction(async (tx) => {
        const caseId = await this.invitations.caseFor(tx, token);
        const c = await tx.findOneByOrFail(Case, { id: caseId });
        if (!c.deliveredAt) throw new NotFound();
        const opinion = await tx.findOne(Opinion, { where: { caseId: c.id, status: 'signed' }, order: { version: 'DESC' } });
        if (!opinion) throw new NotFound();
        const attribution = await this.attributions.of(tx, this.context.tenant<ResolvedTenant>(), c, opinion);
        return { c, opinion, attribution };
      })
      .then(async (found) => {
        // The link is the only credential, so the reader is recorded as anonymous, with the case and patient it opened.
        await this.audit.record({ action, outcome: 'allowed', entityType: 'case', entityId: found.c.id, subjectId: found.c.patientId });
        return found;
      });
  }
}
