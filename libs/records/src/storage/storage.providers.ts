import { S3Client } from '@aws-sdk/client-s3';
import { AppConfig } from '@consilium/core';
import { Provider } from '@nestjs/common';
import { RecordsSettings } from '../records-settings';
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

export function storageFor(settings: RecordsSettings, keyring: FileKeyring): FileStorage {
  if (!settings.s3) return new LocalFileStorage(settings.filesDir, keyring);
  const { bucket, region, endpoint, kmsKeyId, forcePathStyle } = settings.s3;
  return new S3FileStorage(new S3Client({ region, endpoint, forcePathStyle }), { bucket, kmsKeyId });
}

export const STORAGE_PROVIDERS: Provider[] = [
  { provide: RecordsSettings, inject: [AppConfig], useFactory: (config: AppConfig) => new RecordsSettings(config) },
  // Read at boot, so a missing FILES_MASTER_KEY stops the process with its name rather than failing an upload.
  { provide: FileKeyring, inject: [AppConfig], useFactory: keyringFor },
  { provide: FileStorage, inject: [RecordsSettings, FileKeyring], useFactory: storageFor },
];
