import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { OperatorDataModule } from '@consilium/core/operator-data';
import { JobsModule } from '@consilium/jobs';
import { ArchiveExpander } from './archive/archive-expander';
import { FileInspector } from './file-inspector';
import { RecordFileRepository } from './record-file.repository';
import { RecordIngestor } from './record-ingestor';
import { InlineProcessing, RecordProcessingScheduler } from './record-processing-scheduler';
import { RecordMetrics } from './record-metrics';
import { RecordProcessor } from './record-processor.service';
import { RecordRegistrar } from './record-registrar';
import { RecordsService } from './records.service';
import { CaseStudies } from './dicomweb/case-studies.service';
import { STORAGE_PROVIDERS } from './storage/storage.providers';
import { ResumableUploads } from './uploads/resumable-uploads.service';
import { UploadSweep } from './uploads/upload-sweep';
import { UploadSessionRepository } from './uploads/upload-session.repository';
import { FileStorage } from './storage/file-storage';
import { RecordsSettings } from './records-settings';
import { FileKeyring } from './storage/file-keyring';
import { QueuedProcessing } from './jobs/queued-processing';
import { RecordProcessingHandler } from './jobs/record-processing.handler';
import { MultipartUploads } from './http/multipart-uploads';
import { RecordsWords } from './records-words';

export interface RecordsModuleOptions {
  /**
   * How uploads get processed: `jobs` enqueues a `records-process` job in the upload's transaction and registers its
   * handler (the platform and the worker); `inline` (the default) processes in the upload request, for suites and
   * tools that run no job runner.
   */
  processing?: 'inline' | 'jobs';
  /** A scheduler of the host's own instead (wins over `processing`). */
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
    const services = [
      RecordsService,
      RecordProcessor,
      ResumableUploads,
      UploadSweep,
      FileStorage,
      RecordsSettings,
      FileKeyring,
      MultipartUploads,
      CaseStudies,
    ];
    const queued = !options.scheduler && options.processing === 'jobs';
    const scheduler: Provider = {
      provide: RecordProcessingScheduler,
      useClass: options.scheduler ?? (queued ? QueuedProcessing : InlineProcessing),
    };
    return {
      module: RecordsModule,
      imports: [OperatorDataModule, ...(queued ? [JobsModule] : []), ...(options.imports ?? [])],
      providers: [
        ...STORAGE_PROVIDERS,
        RecordFileRepository,
        UploadSessionRepository,
        RecordIngestor,
        RecordRegistrar,
        RecordMetrics,
        FileInspector,
        ArchiveExpander,
        RecordsService,
        RecordProcessor,
        ResumableUploads,
        UploadSweep,
        MultipartUploads,
        CaseStudies,
        RecordsWords,
        scheduler,
        ...(queued ? [RecordProcessingHandler] : []),
      ],
      exports: services,
    };
  }
}
