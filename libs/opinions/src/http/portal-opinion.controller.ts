import { Controller, Get, Header, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { CaseAccess } from '@consilium/cases';
import { Can, first, NotFound, RequestContext, TenantDatabase, ViewRenderer } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { Opinion } from '../opinion.entity';
import { OpinionDelivery } from '../opinion-delivery.service';
import { routeDisclaimer } from '../opinion-letter';

/** The patient (or their local physician) reads the delivered opinion, as a page and as the signed letter. */
@Controller('account/cases/:id/opinion')
@TenantSite()
export class PortalOpinionController {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly delivery: OpinionDelivery,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
  ) {}

  @Can('portal.access')
  @Audited({ action: 'opinion.read', entityType: 'case', param: 'id' })
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async show(@Param('id', ParseUUIDPipe) id: string): Promise<string> {
    const { c, opinion, physician } = await this.latest(id);
    return this.views.render('opinions/portal-opinion', {
      title: `Your second opinion (${c.number})`,
      c,
      opinion,
      physician,
      disclaimer: routeDisclaimer(
        c.routeOverride?.route ?? c.route ?? 'direct',
        this.context.tenant<ResolvedTenant>().name,
        c.localPhysician?.name,
      ),
    });
  }

  @Can('portal.access')
  @Audited({ action: 'opinion.download', entityType: 'case', param: 'id' })
  @Get('letter.pdf')
  async pdf(@Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    const { opinion } = await this.latest(id);
    const pdf = await this.delivery.letter(opinion.id);
    if (!pdf) throw new NotFound();
    void reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', 'attachment; filename="second-opinion.pdf"')
      .header('cache-control', 'no-store')
      .send(pdf);
  }

  /** The latest signed version, once the case has been delivered. Before that the opinion does not exist for them. */
  private latest(caseId: string) {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      if (!c.deliveredAt) throw new NotFound();
      const opinion = await tx.findOne(Opinion, { where: { caseId: c.id, status: 'signed' }, order: { version: 'DESC' } });
      if (!opinion) throw new NotFound();
      const physician = await first<{ name: string }>(tx, 'SELECT name FROM accounts WHERE id = $1', [opinion.signedBy]);
      return { c, opinion, physician };
    });
  }
}
