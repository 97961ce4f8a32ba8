import { AuditModule } from '@consilium/audit';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { CaseRecordsController } from './http/case-records.controller';
import { DicomWebController } from './http/dicomweb.controller';
import { RecordFilesController } from './http/record-files.controller';
import { RecordsHttpSetup } from './http/records-http.setup';
import { ResumableUploadController } from './http/resumable-upload.controller';
import { DenyAllRecordAccess, RecordAccess } from './record-access';
import { RecordsModule, RecordsModuleOptions } from './records.module';

export interface RecordsHttpOptions extends RecordsModuleOptions {
  /** The host app's answer to "may this actor upload to / read this case". Default: nobody may. */
  access?: Type<RecordAccess>;
  /**
   * Path prefixes to serve the routes under, each through RouterModule: `['account', 'console']` gives
   * `/account/cases/:caseId/records` and `/console/cases/:caseId/records`, one engine behind both. Without it the routes
   * are relative to wherever the host mounts this module.
   */
  mountAt?: string[];
}

const CONTROLLERS = [CaseRecordsController, ResumableUploadController, RecordFilesController, DicomWebController];

@Module({})
class RecordAccessModule {}

/**
 * The records routes, relative to their mount point:
 *   POST   cases/:caseId/records            multipart upload (one or more files)
 *   GET    cases/:caseId/records            the case's files, studies and usage
 *   OPTIONS/POST cases/:caseId/uploads      tus discovery / creation
 *   HEAD/PATCH/DELETE cases/:caseId/uploads/:uploadId   tus offset / append / terminate
 *   GET    records/:fileId                  one file's status and metadata
 *   GET    records/:fileId/content          its bytes (audited, as an attachment)
 *   GET    cases/:caseId/dicomweb/...       the case's studies over DICOMweb (QIDO-RS, WADO-RS; see DicomWebController)
 * Every route declares `records.upload` or `records.read` for the host's access guard, then asks RecordAccess about
 * the case itself. RecordsService and the other engine services are exported for the host's own pages.
 */
@Module({})
export class RecordsHttpModule {
  static register(options: RecordsHttpOptions = {}): DynamicModule {
    // Built once and imported by reference wherever needed: Nest keeps one instance per module object, so every
    // mount shares one engine (and one job handler).
    const records = RecordsModule.register(options);
    const access: DynamicModule = {
      module: RecordAccessModule,
      imports: options.imports ?? [],
      providers: [{ provide: RecordAccess, useClass: options.access ?? DenyAllRecordAccess }],
      exports: [RecordAccess],
    };
    const shared = [records, access, AuditModule];
    const mounts = options.mountAt ?? [];
    const routes = mounts.map((path) => ({ path, module: routesModule(path) }));
    return {
      module: RecordsHttpModule,
      imports: [
        ...shared,
        ...routes.map(({ module }): DynamicModule => ({ module, imports: shared, controllers: CONTROLLERS })),
        ...(routes.length ? [RouterModule.register(routes)] : []),
      ],
      controllers: routes.length ? [] : CONTROLLERS,
      providers: [RecordsHttpSetup],
      exports: [records, access],
    };
  }
}

/** A module class of its own per mount point: RouterModule prefixes routes by module class. */
function routesModule(path: string): Type {
  const named = { [`RecordsRoutes_${path.replace(/\W/g, '_')}`]: class {} };
  const module = Object.values(named)[0];
  Module({})(module);
  return module;
}
