import { Controller, Get, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { CaseAccess } from '@consilium/cases';
import { Can, first, NotFound, Page, RequestContext, TenantDatabase } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { Opinion } from '../opinion.entity';
import { OpinionDelivery } from '../opinion-delivery.service';
import { OpinionTranslation } from '../translation/opinion-translation.entity';
import { OpinionAttributions } from '../opinion-attribution';
import { OpinionPage } from './opinion-page';

/** The patient (or their local physician) reads the delivered opinion, as a page and as the signed letter. */
@Controller('account/cases/:id/opinion')
@TenantSite()
export class PortalOpinionController {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly delivery: OpinionDelivery,
    private readonly page: OpinionPage,
    private readonly attributions: OpinionAttributions,
    private readonly context: RequestContext,
  ) {}

  @Can('portal.access')
  @Audited({ action: 'opinion.read', entityType: 'case', param: 'id' })
  @Get()
  @Page('opinions/portal-opinion')
  async show(@Param('id', ParseUUIDPipe) id: string) {
    return this.page.model(await this.latest(id));
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
      const attribution = await this.attributions.of(tx, this.context.tenant<ResolvedTenant>(), c, opinion);
      const translation = await tx.findOne(OpinionTranslation, { where: { opinionId: opinion.id } });
      const translator = translation?.translatorId
        ? await first<{ name: string }>(tx, 'SELECT name FROM accounts WHERE id = $1', [translation.translatorId])
        : undefined;
      return { c, opinion, attribution, translated: { translation, translatorName: translator?.name } };
    });
  }
}
