import { Injectable } from '@nestjs/common';
import { affected, InvalidInput, msg, NotFound, RequestContext, rows, TenantDatabase } from '@consilium/core';

export interface SavedFilter {
  id: string;
  name: string;
  /** The queue's query string, as the filter form wrote it (filters and sort; never a cursor). */
  query: string;
}

/** The queue's query parameters a saved filter keeps; anything else in a posted query is dropped. */
export const SAVED_PARAMS = ['state', 'jurisdiction', 'q', 'assignee', 'sort', 'dir', 'risk'];

/** Each staff member's own named queue filters: only they see, use or remove them. */
@Injectable()
export class SavedFilters {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  mine(): Promise<SavedFilter[]> {
    return this.db.transaction((tx) =>
      rows<SavedFilter>(tx, 'SELECT id, name, query FROM saved_queue_filters WHERE tenant_id = $1 AND account_id = $2 ORDER BY name', [
        this.tenantId(),
        this.me(),
      ]),
    );
  }

  save(name: string, query: string): Promise<void> {
    const kept = new URLSearchParams();
    for (const [k, v] of new URLSearchParams(query)) if (SAVED_PARAMS.includes(k) && v) kept.append(k, v);
    return this.db.transaction(async (tx) => {
      const taken = await rows(tx, 'SELECT 1 FROM saved_queue_filters WHERE tenant_id = $1 AND account_id = $2 AND name = $3', [
        this.tenantId(),
        this.me(),
        name,
      ]);
      if (taken.length) throw new InvalidInput({ name: msg('cases.queue.filterNameTaken') });
      await tx.query('INSERT INTO saved_queue_filters (tenant_id, account_id, name, query) VALUES ($1, $2, $3, $4)', [
        this.tenantId(),
        this.me(),
        name,
        kept.toString(),
      ]);
    });
  }

  remove(id: string): Promise<void> {
    return this.db.transaction(async (tx) => {
      const count = await affected(tx, 'DELETE FROM saved_queue_filters WHERE tenant_id = $1 AND id = $2 AND account_id = $3', [
        this.tenantId(),
        id,
        this.me(),
      ]);
      if (count !== 1) throw new NotFound();
    });
  }

  /** Named as well as set, so a sharded database reads one shard. */
  private tenantId(): string {
    return this.context.tenant().id;
  }

  private me(): string {
    return this.context.actor()!.id;
  }
}
