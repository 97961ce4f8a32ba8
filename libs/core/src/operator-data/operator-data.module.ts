import { Module } from '@nestjs/common';
import { OperatorDatabase } from './operator-database';

/**
 * The operator data path (BYPASSRLS) as a module a lib imports on purpose. It is not part of CoreModule or of
 * `@consilium/core`: a lib reaches it only through `@consilium/core/operator-data`, and test/architecture lists every
 * file that does, with its reason. One instance per process, however many libs import it.
 */
@Module({ providers: [OperatorDatabase], exports: [OperatorDatabase] })
export class OperatorDataModule {}
