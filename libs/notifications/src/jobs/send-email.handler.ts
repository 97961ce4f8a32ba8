import { Injectable } from '@nestjs/common';
import { JobContext, JobHandler, JobHandlerInstance } from '@consilium/jobs';
import { EmailDelivery } from './email-delivery';
import { SEND_EMAIL_JOB, SendEmailPayload } from './send-email.job';

@Injectable()
@JobHandler(SEND_EMAIL_JOB)
export class SendEmailHandler implements JobHandlerInstance<SendEmailPayload> {
  constructor(private readonly delivery: EmailDelivery) {}

  handle(job: JobContext<SendEmailPayload>): Promise<Record<string, unknown>> {
    return this.delivery.deliver(job);
  }
}
