import { S3Client } from '@aws-sdk/client-s3';
import { AppConfig } from '@consilium/core';
import { Provider } from '@nestjs/common';
import path from 'node:path';
import { RecordsSettings } from '../records-settings';
import { LocalUploadStaging } from '../uploads/local-upload-staging';
import { S3UploadStaging } from '../uploads/s3-upload-staging';
import { UploadStaging } from '../uploads/upload-staging';
import { FileKeyring } from './file-keyring';
import { FileStorage } from './file-storage';
import { LocalFileStorage } from './local-file-storage';
import { S3FileStorage } from './s3-file-storage';

export function keyringFor(config: AppConfig): FileKeyring {
  const retired = (config.raw.FILES_MASTER_KEYS_RETIRED ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => Buffer.from(k, 'base64'));
  return new FileKeyring(config.filesMasterKey, retired);
}

function s3ClientFor(s3: NonNullable<RecordsSettings['s3']>): S3Client {
  const { region, endpoint, forcePathStyle } = s3;
  return new S3Client({ region, endpoint, forcePathStyle });
}

export function storageFor(settings: RecordsSettings, keyring: FileKeyring): FileStorage {
  if (!settings.s3) return new LocalFileStorage(settings.filesDir, keyring);
  const { bucket, kmsKeyId } = settings.s3;
  return new S3FileStorage(s3ClientFor(settings.s3), { bucket, kmsKeyId });
}

/** Unfinished resumable uploads are staged in the same store as finished files, whichever it is. */
export function uploadStagingFor(settings: RecordsSettings, keyring: FileKeyring): UploadStaging {
  if (!settings.s3) return new LocalUploadStaging(path.join(settings.filesDir, '.uploads'), keyring);
  const { bucket, kmsKeyId } = settings.s3;
  return new S3UploadStaging(s3ClientFor(settings.s3), { bucket, kmsKeyId });
}

export const STORAGE_PROVIDERS: Provider[] = [
  { provide: RecordsSettings, inject: [AppConfig], useFactory: (config: AppConfig) => new RecordsSettings(config) },
  // Read at boot, so a missing FILES_MASTER_KEY stops the process with its name rather than failing an upload.
  { provide: FileKeyring, inject: [AppConfig], useFactory: keyringFor },
  { provide: FileStorage, inject: [RecordsSettings, FileKeyring], useFactory: storageFor },
  { provide: UploadStaging, inject: [RecordsSettings, FileKeyring], useFactory: uploadStagingFor },
];
