import { DomainError } from '@consilium/core';

/** The tus protocol's refusals, each a DomainError with a stable code; tus clients act on the status alone. */
export class UploadOffsetMismatch extends DomainError {
  readonly code = 'upload_offset_mismatch';
  readonly status = 409;
  constructor() {
    super('This part of the upload does not continue where the upload stopped.', {
      hint: 'Your browser will ask where to resume and try again.',
    });
  }
}

export class UploadBusy extends DomainError {
  readonly code = 'upload_busy';
  readonly status = 423;
  constructor() {
    super('This upload is still receiving an earlier part.', { hint: 'Wait a moment; it resumes by itself.' });
  }
}

export class UploadChecksumMismatch extends DomainError {
  readonly code = 'checksum_mismatch';
  readonly status = 460;
  constructor() {
    super('This part of the upload arrived damaged, so we discarded it.', { hint: 'It is sent again automatically.' });
  }
}

export class UploadLengthExceeded extends DomainError {
  readonly code = 'upload_length_exceeded';
  readonly status = 400;
  constructor() {
    super('More data arrived than this upload announced.');
  }
}

export class TusVersionUnsupported extends DomainError {
  readonly code = 'tus_version_unsupported';
  readonly status = 412;
  constructor() {
    super('This upload client speaks a version of the resumable upload protocol we do not support.');
  }
}

export class UploadContentTypeInvalid extends DomainError {
  readonly code = 'upload_content_type';
  readonly status = 415;
  constructor() {
    super('Upload parts must be sent as application/offset+octet-stream.');
  }
}
