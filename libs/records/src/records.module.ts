import { DynamicModule, Module, Type } from '@nestjs/common';
import { ArchiveExpander } from './archive/archive-expander';
import { FileInspector } from './file-inspector';
import { RecordFileRepository } from './record-file.repository';
import { RecordIngestor } from './record-ingestor';
import { InlineProcessing, RecordProcessingScheduler } from './record-processing-scheduler';
import { RecordProcessor } from './record-processor.service';
import { RecordRegistrar } from './record-registrar';
import { RecordsService } from './records.service';
import { STORAGE_PROVIDERS } from './storage/storage.providers';
import { ResumableUploads } from './uploads/resumable-uploads.service';
import { UploadSessionRepository } from './uploads/upload-session.repository';
import { UploadStaging } from './uploads/upload-staging';
import { FileStorage } from './storage/file-storage';
import { RecordsSettings } from './records-settings';
import { FileKeyring } from './storage/file-keyring';

export interface RecordsModuleOptions {
  /** How uploads get processed: the jobs lib's queue once it lands; inline (in the upload request) by default. */
  scheduler?: Type<RecordProcessingScheduler>;
  /** Modules the scheduler needs. */
  imports?: DynamicModule['imports'];
}

/**
 * The records engine without HTTP: storage, the upload pipeline, resumable sessions and processing. The worker
 * imports this; the platform imports RecordsHttpModule, which includes it.
 */
@Module({})
export class RecordsModule {
  static register(options: RecordsModuleOptions = {}): DynamicModule {
    const services = [RecordsService, RecordProcessor, ResumableUploads, FileStorage, RecordsSettings, FileKeyring];
    return {
      module: RecordsModule,
      imports: options.imports ?? [],
      providers: [
        ...STORAGE_PROVIDERS,
        RecordFileRepository, UploadSessionRepository, RecordIngestor, RecordRegistrar, FileInspector, ArchiveExpander,
        UploadStaging, RecordsService, RecordProcessor, ResumableUploads,
        { provide: RecordProcessingScheduler, useClass: options.scheduler ?? InlineProcessing },
      ],
      exports: services,
    };
  }
}
