import { Controller, Get, Header, Inject, Param, Res } from '@nestjs/common';
import { AppConfig, Can, NotFound, RequestContext, ViewRenderer } from '@consilium/core';
import type { FastifyReply } from 'fastify';
import { OutboxStore } from '../outbox/outbox-store';
import { EMAIL_TRANSPORT, EmailTransport } from '../transport/email-transport';

/**
 * The local outbox, readable in a browser at http://admin.localhost:3000/operator/outbox: a list and each message
 * rendered. Signed-in operators only (outbox.read), on the operator host only, and only outside production with the
 * outbox transport: messages hold sign-in links, and in production mail leaves through SES.
 */
@Controller('operator/outbox')
export class OperatorOutboxController {
  constructor(
    private readonly store: OutboxStore,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    @Inject(EMAIL_TRANSPORT) private readonly transport: EmailTransport,
  ) {}

  @Can('outbox.read')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  list(): string {
    this.assertAvailable();
    const messages = this.store.list(100);
    return this.views.render('notifications/outbox-list', { title: 'Outbox', messages, dir: this.store.dir }, { layout: 'plain' });
  }

  @Can('outbox.read')
  @Get(':id')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  show(@Param('id') id: string): string {
    this.assertAvailable();
    const message = this.store.read(id);
    if (!message) throw new NotFound();
    return this.views.render('notifications/outbox-message', { title: message.subject, message }, { layout: 'plain' });
  }

  /** The message's HTML alone, framed by the page above; sandboxed, since it is content, not our page. */
  @Can('outbox.read')
  @Get(':id/html')
  html(@Param('id') id: string, @Res() reply: FastifyReply): void {
    this.assertAvailable();
    const message = this.store.read(id);
    if (!message?.html) throw new NotFound();
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      // Email HTML needs inline styles and remote images; it may run nothing and be framed only by our page.
      .header('content-security-policy', "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox")
      .send(message.html);
  }

  private assertAvailable(): void {
    const available =
      this.context.host() === this.config.operatorHost && this.config.raw.NODE_ENV !== 'production' && this.transport.name === 'outbox';
    // Fails closed when no access guard identified an operator (an app that does not mount identity).
    if (!available || this.context.actor()?.kind !== 'operator') throw new NotFound();
  }
}
