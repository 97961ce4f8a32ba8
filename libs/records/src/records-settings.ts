import { AppConfig, ConfigError } from '@consilium/core';
import path from 'node:path';

/** The records engine's settings, read once from the validated configuration (see config.schema.ts). */
export class RecordsSettings {
  readonly maxFileBytes: number;
  readonly maxCaseBytes: number;
  readonly zipMaxEntries: number;
  readonly zipMaxExpandedBytes: number;
  readonly zipMaxRatio: number;
  readonly maxImagePixels: number;
  readonly uploadExpiryHours: number;
  /** Encrypted files (local storage), and unfinished resumable uploads under `.uploads/` (see LocalUploadStaging). */
  readonly filesDir: string;
  readonly s3?: { bucket: string; region: string; endpoint?: string; kmsKeyId?: string; forcePathStyle: boolean };

  constructor(config: AppConfig) {
    const raw = config.raw;
    this.maxFileBytes = raw.RECORDS_MAX_FILE_BYTES;
    this.maxCaseBytes = raw.RECORDS_MAX_CASE_BYTES;
    this.zipMaxEntries = raw.RECORDS_ZIP_MAX_ENTRIES;
    this.zipMaxExpandedBytes = raw.RECORDS_ZIP_MAX_EXPANDED_BYTES;
    this.zipMaxRatio = raw.RECORDS_ZIP_MAX_RATIO;
    this.maxImagePixels = raw.RECORDS_MAX_IMAGE_PIXELS;
    this.uploadExpiryHours = raw.RECORDS_UPLOAD_EXPIRY_HOURS;
    this.filesDir = path.join(config.dataDir, 'files');
    // RECORDS_STORAGE (or its derived default) decides; S3 without a bucket never falls back to the local disk.
    if (config.services.records === 's3') {
      if (!raw.S3_BUCKET) throw new ConfigError(['S3_BUCKET: must be set when records are stored in S3 (RECORDS_STORAGE=s3)']);
      this.s3 = {
        bucket: raw.S3_BUCKET,
        region: raw.S3_REGION,
        endpoint: raw.S3_ENDPOINT,
        kmsKeyId: raw.S3_KMS_KEY_ID,
        // S3-compatible stores (and local stand-ins) usually need bucket-in-path addressing.
        forcePathStyle: raw.S3_FORCE_PATH_STYLE ?? !!raw.S3_ENDPOINT,
      };
    }
  }
}
