import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '../config/config';
import { RequestContext } from '../context/request-context';
import { Public } from '../web/public.decorator';
import { MetricsRegistry } from './metrics-registry';
import { MetricsToken } from './metrics-token';

/**
 * Prometheus scrape endpoint. Declared public because it does its own check, which fits neither a tenant role nor
 * an anonymous page: a scraper presents `Authorization: Bearer <METRICS_TOKEN>`; a person uses the operator console's
 * session on the operator host (second factor passed). The Host header alone proves nothing (any client can send
 * `Host: admin...`), so the operator host is never enough by itself.
 */
@Controller('metrics')
export class MetricsController {
  private readonly token: MetricsToken;
  private readonly operatorHost: string;

  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly context: RequestContext,
    config: AppConfig,
  ) {
    this.operatorHost = config.operatorHost;
    this.token = new MetricsToken(config.raw.METRICS_TOKEN);
  }

  @Public()
  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    if (!this.allowed(authorization)) {
      // 401 rather than the usual 404: the endpoint is documented, and a scraper's operator needs to see "bad token".
      reply.status(401).header('www-authenticate', 'Bearer realm="metrics"').type('text/plain; charset=utf-8');
      return 'metrics: send Authorization: Bearer <METRICS_TOKEN>, or sign in to the operator console\n';
    }
    const { contentType, body } = await this.metrics.render();
    reply.type(contentType);
    return body;
  }

  private allowed(authorization: string | undefined): boolean {
    if (this.token.presentedIn(authorization)) return true;
    const actor = this.context.actor();
    return this.context.host() === this.operatorHost && actor?.kind === 'operator' && actor.mfaVerified === true;
  }
}
