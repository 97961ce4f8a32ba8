import { applyDecorators, HttpCode, SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'consilium:public';

/** Marks a route that anyone may call (health, public pages). Every other route must declare who may call it. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * A provider's webhook (Stripe, Amazon SNS): public, since the caller proves itself by the message's signature, not
 * a session, which the handler must check; answered 200 with the handler's JSON, an acknowledgement rather than
 * Nest's 201 Created for a POST. Its refusals are domain errors, answered as JSON by the exception filter.
 */
export const Webhook = () => applyDecorators(Public(), HttpCode(200));
