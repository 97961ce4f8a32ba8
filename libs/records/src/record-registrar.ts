import { Injectable, Logger } from '@nestjs/common';
import { DEFAULT_LOCALE, TenantDatabase, Translator } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { RecordFile, RecordFileRepository, NewRecordFile } from './record-file.repository';
import { CaseStorageFull, DuplicateFile, FileRejected, RecordsError } from './records.errors';
import { FileStorage, StoredObject } from './storage/file-storage';
import { StoredRejection, storedValues } from './stored-rejection';

/**
 * Writes the row for a file whose bytes are already stored, under the case's lock: the quota is checked again (two
 * uploads may have raced past the first check) and the same bytes already kept for the case make this one a
 * rejected duplicate pointing at the first copy. Whenever the row does not keep the bytes, they are deleted.
 */
@Injectable()
export class RecordRegistrar {
  private readonly logger = new Logger(RecordRegistrar.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly files: RecordFileRepository,
    private readonly storage: FileStorage,
    private readonly translator: Translator,
  ) {}

  /** `onKept` runs in the same transaction when the row keeps the bytes (a queue enqueues processing there). */
  async register(
    file: NewRecordFile & { stored: StoredObject },
    options: { caseLimitBytes?: number; onKept?: (tx: EntityManager, row: RecordFile) => Promise<void> } = {},
  ): Promise<RecordFile> {
    const { caseLimitBytes, onKept } = options;
    const { tenantId, caseId, stored } = file;
    let keepBytes = false;
    try {
      const row = await this.db.forTenant(tenantId, async (tx) => {
        await this.files.lockCase(tx, tenantId, caseId);
        if (caseLimitBytes !== undefined && (await this.files.caseUsage(tx, tenantId, caseId)) + stored.size > caseLimitBytes) {
          throw new CaseStorageFull(caseLimitBytes);
        }
        const copy = await this.files.findCopy(tx, tenantId, caseId, stored.sha256);
        if (copy) {
          return this.files.insert(tx, {
            ...file,
            stored: undefined,
            ready: undefined,
            rejection: this.storedWords(new DuplicateFile()),
            duplicateOf: { id: copy.id, sha256: stored.sha256, size: stored.size },
          });
        }
        const row = await this.files.insert(tx, file);
        await onKept?.(tx, row);
        return row;
      });
      keepBytes = row.stored !== null;
      return row;
    } finally {
      if (!keepBytes) await this.discard(stored);
    }
  }

  async reject(file: Omit<NewRecordFile, 'rejection'> & { rejection: FileRejected }): Promise<RecordFile> {
    const rejection = this.storedWords(file.rejection);
    return this.db.forTenant(file.tenantId, (tx) => this.files.insert(tx, { ...file, rejection, stored: undefined }));
  }

  /** What a rejected row keeps: the code and arguments (pages word them in the reader's language) and the English. */
  storedWords(refusal: InstanceType<typeof RecordsError>): StoredRejection {
    const values = storedValues(refusal.values);
    return {
      code: refusal.code,
      message: this.translator.t(refusal.messageKey!, DEFAULT_LOCALE, refusal.values),
      ...(values ? { values } : {}),
    };
  }

  async discard(stored: StoredObject | null): Promise<void> {
    if (!stored) return;
    // An orphaned object is only wasted space (it is encrypted and referenced by nothing); never fail a request on it.
    await this.storage
      .delete(stored)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not delete an unused stored object'));
  }
}
