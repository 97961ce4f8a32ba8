import { Injectable } from '@nestjs/common';
import { Conversions, RecordedConversion } from '@consilium/cases';
import { declareErrors, InvalidInput, minorToDecimal, msg, NotFound, RequestContext } from '@consilium/core';
import { z } from 'zod';
import { parseBody, UUID } from './api-input';
import { CONVERSION_KIND_VALUES, ConversionSchema } from './schemas/api.schemas';

/** Integrations' refusals: words at `integrations.errors.<code>.message|hint`. */
export const IntegrationsError = declareErrors('integrations', {
  // The same Idempotency-Key with another body: the client has two requests under one key.
  idempotency_key_reused: 422,
});

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const conversionBody = z.strictObject({
  kind: z.enum(CONVERSION_KIND_VALUES as [string, ...string[]], { error: 'integrations.api.oneOf' }),
  occurredOn: z
    .string({ error: 'integrations.api.date' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'integrations.api.date' })
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), {
      error: 'integrations.api.realDate',
    })
    .refine((d) => Date.parse(d) <= Date.now() + 366 * 86400000, { error: 'integrations.api.withinYear' }),
  value: z
    .string({ error: 'integrations.api.amount' })
    .regex(/^\d{1,10}(\.\d{1,2})?$/, { error: 'integrations.api.amount' })
    .optional(),
});

export interface ConversionRequest {
  kind: string;
  occurredOn: string;
  value?: string;
}

/** A conversion as the API shows it: money back in major units, as text (never a float). */
export function conversionView(c: RecordedConversion): ConversionSchema {
  return {
    id: c.id,
    caseId: c.caseId,
    kind: c.kind,
    occurredOn: c.occurredOn,
    value: c.valueMinor === null || !c.currency ? null : minorToDecimal(c.valueMinor, c.currency),
    currency: c.currency,
    source: c.source,
    recordedAt: c.recordedAt.toISOString(),
  };
}

/**
 * Visits and procedures recorded by a hospital's systems, once per idempotency key: the key (namespaced by the
 * credential, so two clients never collide) is the conversion's unique import key, so a retry (or two at once)
 * finds the conversion the first one recorded, and a retry with another body is refused instead of guessed at.
 */
@Injectable()
export class ApiConversions {
  constructor(
    private readonly conversions: Conversions,
    private readonly context: RequestContext,
  ) {}

  /** Reads the JSON body of POST /cases/{id}/conversions. */
  readBody(body: unknown): ConversionRequest {
    return parseBody(conversionBody, body);
  }

  checkKey(key: string | undefined): string {
    if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
      throw new InvalidInput({ 'Idempotency-Key': msg('integrations.api.idempotencyKey') });
    }
    return key;
  }

  async record(caseId: string, input: ConversionRequest, key: string): Promise<{ conversion: ConversionSchema; replayed: boolean }> {
    if (!UUID.test(caseId)) throw new NotFound();
    const namespaced = `${this.context.actor()!.id}:${key}`;
    const { conversion, created } = await this.conversions.record(caseId, input, { key: `api:${namespaced}` });
    const view = conversionView(conversion);
    if (!created && !sameRequest(view, input, caseId)) throw new IntegrationsError('idempotency_key_reused');
    return { conversion: view, replayed: !created };
  }
}

function sameRequest(recorded: ConversionSchema, input: ConversionRequest, caseId: string): boolean {
  const amount = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v).toFixed(2));
  return (
    recorded.caseId === caseId &&
    recorded.kind === input.kind &&
    recorded.occurredOn === input.occurredOn &&
    amount(recorded.value) === amount(input.value)
  );
}
