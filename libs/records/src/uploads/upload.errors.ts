import { RecordsError } from '../records.errors';

/** The tus protocol's refusals, declared with the records lib's errors; tus clients act on the status alone. */
export class UploadOffsetMismatch extends RecordsError {
  constructor() {
    super('upload_offset_mismatch');
  }
}

export class UploadBusy extends RecordsError {
  constructor() {
    super('upload_busy');
  }
}

export class UploadChecksumMismatch extends RecordsError {
  constructor() {
    super('checksum_mismatch');
  }
}

export class UploadLengthExceeded extends RecordsError {
  constructor() {
    super('upload_length_exceeded');
  }
}

export class TusVersionUnsupported extends RecordsError {
  constructor() {
    super('tus_version_unsupported');
  }
}

export class UploadContentTypeInvalid extends RecordsError {
  constructor() {
    super('upload_content_type');
  }
}
