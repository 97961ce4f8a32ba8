import { AuditModule } from '@consilium/audit';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { CaseRecordsController } from './http/case-records.controller';
import { RecordFilesController } from './http/record-files.controller';
import { RecordsHttpSetup } from './http/records-http.setup';
import { ResumableUploadController } from './http/resumable-upload.controller';
import { DenyAllRecordAccess, RecordAccess } from './record-access';
import { RecordsModule, RecordsModuleOptions } from './records.module';

export interface RecordsHttpOptions extends RecordsModuleOptions {
  /** The host app's answer to "may this actor upload to / read this case". Default: nobody may. */
  access?: Type<RecordAccess>;
}

/**
 * The records routes, relative to wherever the host mounts this module (RouterModule):
 *   POST   cases/:caseId/records            multipart upload (one or more files)
 *   GET    cases/:caseId/records            the case's files, studies and usage
 *   OPTIONS/POST cases/:caseId/uploads      tus discovery / creation
 *   HEAD/PATCH/DELETE cases/:caseId/uploads/:uploadId   tus offset / append / terminate
 *   GET    records/:fileId                  one file's status and metadata
 *   GET    records/:fileId/content          its bytes (audited, as an attachment)
 * Every route declares `records.upload` or `records.read` for the host's access guard, then asks RecordAccess about
 * the case itself.
 */
@Module({})
export class RecordsHttpModule {
  static register(options: RecordsHttpOptions = {}): DynamicModule {
    const records = RecordsModule.register(options);
    return {
      module: RecordsHttpModule,
      imports: [records, AuditModule, ...(options.imports ?? [])],
      controllers: [CaseRecordsController, ResumableUploadController, RecordFilesController],
      providers: [{ provide: RecordAccess, useClass: options.access ?? DenyAllRecordAccess }, RecordsHttpSetup],
      exports: [records],
    };
  }
}
