import { ByteSize, declareErrors } from '@consilium/core';

/**
 * The records lib's refusals, one `code: status` line each; their words are `records.errors.<code>.message` (and
 * `.hint`) in the lib's catalogs (views/i18n), in the reader's language. The code is stored on a rejected row and
 * sent to clients. Messages never name the file: file names are the patient's words, not ours.
 */
export const RecordsError = declareErrors('records', {
  upload_too_large: 413,
  case_storage_full: 413,
  empty_file: 422,
  file_type_not_accepted: 415,
  executable_file: 415,
  script_file: 415,
  web_content: 415,
  malware_detected: 422,
  image_too_large: 422,
  file_damaged: 422,
  dicom_truncated: 422,
  dicom_unsupported: 422,
  archive_suspicious_compression: 422,
  archive_too_many_files: 422,
  archive_too_large: 422,
  archive_damaged: 422,
  archive_empty: 422,
  archive_entry_unsafe: 422,
  archive_entry_encrypted: 422,
  archive_nested: 422,
  duplicate_file: 409,
  digest_mismatch: 422,
  stored_file_damaged: 500,
  upload_offset_mismatch: 409,
  upload_busy: 423,
  checksum_mismatch: 460,
  upload_length_exceeded: 400,
  tus_version_unsupported: 412,
  upload_content_type: 415,
  // Not found, in the words of what was asked for (another hospital's upload or file reads the same).
  upload_not_found: 404,
  file_not_available: 404,
  // An image whose pixels we cannot turn into a picture here (JPEG 2000, JPEG-LS...): the viewer offers the download.
  image_not_renderable: 406,
});

/**
 * Why a file was not accepted. Limits end the upload request itself (nothing is recorded); other rejections become
 * a rejected row. The named classes stay because callers tell them apart (`instanceof FileRejected`, fatal kinds).
 */
export abstract class FileRejected extends RecordsError {
  readonly endsRequest: boolean = false;
}

export class UploadTooLarge extends FileRejected {
  override readonly endsRequest = true;
  constructor(limitBytes: number) {
    super('upload_too_large', { values: { limit: new ByteSize(limitBytes) } });
  }
}

export class CaseStorageFull extends FileRejected {
  override readonly endsRequest = true;
  constructor(limitBytes: number) {
    super('case_storage_full', { values: { limit: new ByteSize(limitBytes) } });
  }
}

export class EmptyFile extends FileRejected {
  constructor() {
    super('empty_file');
  }
}

export class FileTypeNotAccepted extends FileRejected {
  constructor() {
    super('file_type_not_accepted');
  }
}

export class ExecutableRefused extends FileRejected {
  constructor() {
    super('executable_file');
  }
}

export class ScriptRefused extends FileRejected {
  constructor() {
    super('script_file');
  }
}

export class ActiveContentRefused extends FileRejected {
  constructor() {
    super('web_content');
  }
}

export class MalwareDetected extends FileRejected {
  constructor() {
    super('malware_detected');
  }
}

export class ImageTooLarge extends FileRejected {
  constructor(maxPixels: number) {
    super('image_too_large', { values: { megapixels: Math.floor(maxPixels / 1e6) } });
  }
}

/** What was damaged: a file, an image, an imaging (DICOM) file, or an item of a ZIP file. */
export type DamagedThing = 'file' | 'image' | 'dicom' | 'archive_item';

export class FileDamaged extends FileRejected {
  constructor(what: DamagedThing = 'file') {
    super('file_damaged', { values: { what } });
  }
}

export class DicomTruncated extends FileRejected {
  constructor() {
    super('dicom_truncated');
  }
}

export class DicomUnsupported extends FileRejected {
  constructor(detail: 'no_header' | 'deflated') {
    super('dicom_unsupported', { values: { detail } });
  }
}

export class ArchiveSuspicious extends FileRejected {
  constructor() {
    super('archive_suspicious_compression');
  }
}

export class ArchiveTooManyFiles extends FileRejected {
  constructor(maxEntries: number) {
    super('archive_too_many_files', { values: { max: maxEntries } });
  }
}

export class ArchiveTooLarge extends FileRejected {
  constructor(limitBytes: number) {
    super('archive_too_large', { values: { limit: new ByteSize(limitBytes) } });
  }
}

export class ArchiveDamaged extends FileRejected {
  constructor() {
    super('archive_damaged');
  }
}

export class ArchiveEmpty extends FileRejected {
  constructor() {
    super('archive_empty');
  }
}

/** One item of an archive that was skipped; the rest of the archive is still used. */
export class ArchiveEntryUnsafe extends FileRejected {
  constructor() {
    super('archive_entry_unsafe');
  }
}

export class ArchiveEntryEncrypted extends FileRejected {
  constructor() {
    super('archive_entry_encrypted');
  }
}

export class ArchiveNested extends FileRejected {
  constructor() {
    super('archive_nested');
  }
}

export class DuplicateFile extends FileRejected {
  constructor() {
    super('duplicate_file');
  }
}

/** The bytes that arrived are not the file the browser read: its SHA-256 of the file differs from ours. */
export class FileDigestMismatch extends FileRejected {
  constructor() {
    super('digest_mismatch');
  }
}

/** The stored copy failed its integrity check: tampered with or damaged at rest. Never the patient's fault. */
export class StoredFileDamaged extends RecordsError {
  constructor() {
    super('stored_file_damaged');
  }
}
