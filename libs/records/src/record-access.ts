import { Injectable } from '@nestjs/common';
import { NotFound } from '@consilium/core';

/** What a read is about: a case's files as a whole, or one file of it. */
export interface RecordTarget {
  caseId: string;
  fileId?: string;
}

/**
 * Who may upload to, and read, a case's records is the host app's decision (it owns cases, patients and care teams).
 * The records controllers call this before doing anything; an implementation throws NotFound (never "forbidden":
 * another patient's case must look like no case at all). Bound by `RecordsHttpModule.register({ access })`; when
 * nothing is bound, every call is refused.
 */
export abstract class RecordAccess {
  abstract assertCanUpload(caseId: string): Promise<void>;
  abstract assertCanRead(target: RecordTarget): Promise<void>;
}

@Injectable()
export class DenyAllRecordAccess extends RecordAccess {
  assertCanUpload(): Promise<void> {
    return Promise.reject(new NotFound());
  }

  assertCanRead(): Promise<void> {
    return Promise.reject(new NotFound());
  }
}
