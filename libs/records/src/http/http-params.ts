import { Injectable, PipeTransform } from '@nestjs/common';
import { ContextActor, NotFound } from '@consilium/core';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id in a path that is not a UUID names nothing: 404, like any id that is not the caller's. */
@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new NotFound();
    return value.toLowerCase();
  }
}

/** The acting account, for `uploaded_by`; API keys and anonymous callers leave it empty. */
export function actorAccountId(actor: ContextActor | undefined): string | null {
  return actor && actor.kind !== 'api_key' && UUID.test(actor.id) ? actor.id : null;
}
