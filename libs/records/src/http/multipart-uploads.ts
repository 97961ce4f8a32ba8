import { Injectable } from '@nestjs/common';
import { InvalidInput } from '@consilium/core';
import type { FastifyRequest } from 'fastify';
import { RecordFile } from '../record-file.repository';
import { FileRejected } from '../records.errors';
import { CaseRef, RecordsService } from '../records.service';
import { RecordsSettings } from '../records-settings';

/** Files per multipart request; larger sets go as a ZIP or as several requests. */
export const MAX_FILES_PER_REQUEST = 20;

export interface MultipartOutcome {
  /** Every file part read, in order: kept (`uploaded`/`ready`) or `rejected` with its reason. */
  files: RecordFile[];
  /** A refusal that ended the request (file over the limit, case full): nothing of that file was kept. */
  ended: FileRejected | null;
}

/**
 * Reads a multipart/form-data request part by part and streams each file part through RecordsService.receive; nothing
 * is buffered whole. Shared by the JSON route and by host pages whose forms post files (and redirect back). A file
 * input left empty (a part with no file name) is skipped, as a browser sends one. A `sha256` field before a file
 * part is checked against the bytes that arrive (RecordsService.receive's `expectedSha256`).
 */
@Injectable()
export class MultipartUploads {
  constructor(
    private readonly records: RecordsService,
    private readonly settings: RecordsSettings,
  ) {}

  async receive(request: FastifyRequest, ref: CaseRef, uploadedBy: string | null): Promise<MultipartOutcome> {
    if (!request.isMultipart()) throw new InvalidInput({ file: 'Choose a file to upload.' }, 'Files must be sent as a form upload.');
    const files: RecordFile[] = [];
    const parts = request.parts({
      limits: { fileSize: this.settings.maxFileBytes + 1, files: MAX_FILES_PER_REQUEST, fields: 20, parts: 40 },
    });
    // A `sha256` field just before a file part is the sender's digest of that file (our upload script sends it).
    let expectedSha256: string | null = null;
    for await (const part of parts) {
      if (part.type !== 'file') {
        if (part.fieldname === 'sha256') expectedSha256 = String(part.value);
        continue;
      }
      const expected = expectedSha256;
      expectedSha256 = null;
      if (part.filename !== '') {
        try {
          files.push(await this.records.receive(ref, part.file, part.filename, { uploadedBy, expectedSha256: expected }));
        } catch (error) {
          if (error instanceof FileRejected && error.endsRequest) return { files, ended: error };
          throw error;
        }
      }
      // A refused (or skipped) file was not read to its end; the next part starts after it.
      for await (const rest of part.file) void rest;
    }
    return { files, ended: null };
  }
}
