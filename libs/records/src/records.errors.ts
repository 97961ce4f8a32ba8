import { DomainError } from '@consilium/core';

/**
 * Why a file was not accepted. Each subclass has a stable code (stored on the rejected row and sent to clients) and
 * a message a patient can act on. Messages never name the file: file names are the patient's words, not ours.
 */
export abstract class FileRejected extends DomainError {
  /** Limits end the upload request itself (nothing is recorded); other rejections become a rejected row. */
  readonly endsRequest: boolean = false;
}

export class UploadTooLarge extends FileRejected {
  readonly code = 'upload_too_large';
  readonly status = 413;
  override readonly endsRequest = true;
  constructor(limitBytes: number) {
    super(`This file is larger than the ${formatBytes(limitBytes)} we can accept for one file.`, {
      hint: 'Send a large imaging study as several smaller ZIP files, or ask the hospital to collect the records for you.',
    });
  }
}

export class CaseStorageFull extends FileRejected {
  readonly code = 'case_storage_full';
  readonly status = 413;
  override readonly endsRequest = true;
  constructor(limitBytes: number) {
    super(`This request already holds close to the ${formatBytes(limitBytes)} of records we can keep for one case.`, {
      hint: 'Send only the most recent or most relevant records, or ask the care team how to share the rest.',
    });
  }
}

export class EmptyFile extends FileRejected {
  readonly code = 'empty_file';
  readonly status = 422;
  constructor() {
    super('This file is empty.', { hint: 'Check that the file opens on your device, then try again.' });
  }
}

export class FileTypeNotAccepted extends FileRejected {
  readonly code = 'file_type_not_accepted';
  readonly status = 415;
  constructor() {
    super('We can accept PDF documents, photos or scans (JPEG, PNG, GIF, WebP, TIFF), DICOM imaging files, or a ZIP of them.', {
      hint: 'If this is a document such as a Word file, save or print it as a PDF and upload that.',
    });
  }
}

export class ExecutableRefused extends FileRejected {
  readonly code = 'executable_file';
  readonly status = 415;
  constructor() {
    super('This file is a program, not a medical record, so we did not accept it, whatever its name says.', {
      hint: 'Imaging discs often include a viewer program: upload the images (DICOM files) or a ZIP of the disc, not the viewer.',
    });
  }
}

export class ScriptRefused extends FileRejected {
  readonly code = 'script_file';
  readonly status = 415;
  constructor() {
    super('This file is a script (a program written as text), not a medical record, so we did not accept it.');
  }
}

export class ActiveContentRefused extends FileRejected {
  readonly code = 'web_content';
  readonly status = 415;
  constructor() {
    super('This file is a web page or SVG drawing, which can carry hidden code, so we did not accept it.', {
      hint: 'If it is a report from a patient portal, save or print it as a PDF and upload that.',
    });
  }
}

export class MalwareDetected extends FileRejected {
  readonly code = 'malware_detected';
  readonly status = 422;
  constructor() {
    super('This file contains a virus signature, so we did not accept it.', {
      hint: 'Scan your device with antivirus software, then send a clean copy of the record.',
    });
  }
}

export class ImageTooLarge extends FileRejected {
  readonly code = 'image_too_large';
  readonly status = 422;
  constructor(maxPixels: number) {
    super(`This image has more than ${Math.floor(maxPixels / 1e6)} million pixels, more than we can open safely.`, {
      hint: 'Save it again at a smaller size (most phones and scanners offer this), then upload it.',
    });
  }
}

export class FileDamaged extends FileRejected {
  readonly code = 'file_damaged';
  readonly status = 422;
  constructor(what = 'This file') {
    super(`${what} is damaged and cannot be opened.`, { hint: 'Copy it again from the original source, then upload it.' });
  }
}

export class DicomTruncated extends FileRejected {
  readonly code = 'dicom_truncated';
  readonly status = 422;
  constructor() {
    super('This imaging (DICOM) file is incomplete: it ends before the end of its image data.', {
      hint: 'It may have been cut off while copying. Copy it again from the original disc or portal, then upload it.',
    });
  }
}

export class DicomUnsupported extends FileRejected {
  readonly code = 'dicom_unsupported';
  readonly status = 422;
  constructor(detail: 'no_header' | 'deflated') {
    super(
      detail === 'no_header'
        ? 'This looks like an imaging file in an old format without the standard DICOM header, which we cannot check.'
        : 'This imaging (DICOM) file is compressed in a way we cannot check.',
      { hint: 'Ask the imaging department for a standard DICOM export (a disc or ZIP of the study), then upload that.' },
    );
  }
}

export class ArchiveSuspicious extends FileRejected {
  readonly code = 'archive_suspicious_compression';
  readonly status = 422;
  constructor() {
    super('This ZIP file expands to vastly more data than it holds, which is how harmful archives behave, so we did not open it.', {
      hint: 'Make the ZIP again from the original files, or upload the files one by one.',
    });
  }
}

export class ArchiveTooManyFiles extends FileRejected {
  readonly code = 'archive_too_many_files';
  readonly status = 422;
  constructor(maxEntries: number) {
    super(`This ZIP file holds more than ${maxEntries} files, more than we can open at once.`, {
      hint: 'Split it into several smaller ZIP files, for example one per study.',
    });
  }
}

export class ArchiveTooLarge extends FileRejected {
  readonly code = 'archive_too_large';
  readonly status = 422;
  constructor(limitBytes: number) {
    super(`This ZIP file expands to more than the ${formatBytes(limitBytes)} we can accept.`, {
      hint: 'Split it into several smaller ZIP files, for example one per study.',
    });
  }
}

export class ArchiveDamaged extends FileRejected {
  readonly code = 'archive_damaged';
  readonly status = 422;
  constructor() {
    super('This ZIP file is damaged and cannot be opened.', { hint: 'Make the ZIP again from the original files, then upload it.' });
  }
}

export class ArchiveEmpty extends FileRejected {
  readonly code = 'archive_empty';
  readonly status = 422;
  constructor() {
    super('We found no files we can accept in this ZIP.', {
      hint: 'We accept PDF documents, images and DICOM files inside a ZIP. Check what it contains, then try again.',
    });
  }
}

/** One item of an archive that was skipped; the rest of the archive is still used. */
export class ArchiveEntryUnsafe extends FileRejected {
  readonly code = 'archive_entry_unsafe';
  readonly status = 422;
  constructor() {
    super('This item in the ZIP file points outside the archive or is a link, so we skipped it.');
  }
}

export class ArchiveEntryEncrypted extends FileRejected {
  readonly code = 'archive_entry_encrypted';
  readonly status = 422;
  constructor() {
    super('This item in the ZIP file is password-protected, so we could not check it.', {
      hint: 'Make the ZIP again without a password, then upload it.',
    });
  }
}

export class ArchiveNested extends FileRejected {
  readonly code = 'archive_nested';
  readonly status = 422;
  constructor() {
    super('This item is a ZIP file inside the ZIP file; we do not open archives within archives.', {
      hint: 'Upload the inner ZIP file on its own.',
    });
  }
}

export class DuplicateFile extends FileRejected {
  readonly code = 'duplicate_file';
  readonly status = 409;
  constructor() {
    super('You already sent this exact file for this request, so we kept the first copy.');
  }
}

/** The stored copy failed its integrity check: tampered with or damaged at rest. Never the patient's fault. */
export class StoredFileDamaged extends DomainError {
  readonly code = 'stored_file_damaged';
  readonly status = 500;
  constructor() {
    super('We could not open this file safely because our stored copy failed its integrity check.', {
      hint: 'The care team has been told. Please upload the file again if you still have it.',
    });
  }
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
