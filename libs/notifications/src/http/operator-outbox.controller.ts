import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { AppConfig, Can, Layout, NotFound, OperatorOnly, Page } from '@consilium/core';
import type { FastifyReply } from 'fastify';
import { OutboxStore } from '../outbox/outbox-store';
import { EMAIL_TRANSPORT, EmailTransport } from '../transport/email-transport';

/**
 * The local outbox, readable in a browser at http://admin.localhost:3000/operator/outbox: a list and each message
 * rendered. Signed-in operators only (outbox.read), on the operator host only, and only outside production with the
 * outbox transport: messages hold sign-in links, and in production mail leaves through SES.
 */
@Controller('operator/outbox')
@OperatorOnly()
@Layout('plain')
export class OperatorOutboxController {
  constructor(
    private readonly store: OutboxStore,
    private readonly config: AppConfig,
    @Inject(EMAIL_TRANSPORT) private readonly transport: EmailTransport,
  ) {}

  @Can('outbox.read')
  @Get()
  @Page('notifications/outbox-list', { title: 'notifications.outbox.title' })
  list() {
    this.assertAvailable();
    return { messages: this.store.list(100), dir: this.store.dir };
  }

  @Can('outbox.read')
  @Get(':id')
  @Page('notifications/outbox-message', { title: 'notifications.outbox.title' })
  show(@Param('id') id: string) {
    this.assertAvailable();
    const message = this.store.read(id);
    if (!message) throw new NotFound();
    // The page's title is the operator's; the subject, in the recipient's language, is the heading (data).
    return { message };
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

  /** Outside production and with the outbox transport only (@OperatorOnly has checked the host and the operator). */
  private assertAvailable(): void {
    if (this.config.raw.NODE_ENV === 'production' || this.transport.name !== 'outbox') throw new NotFound();
  }
}
