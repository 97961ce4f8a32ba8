import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Case } from './case.entity';
import { CasePipeline } from './case-pipeline.service';

@Module({
  imports: [TypeOrmModule.forFeature([Case])],
  providers: [CasePipeline],
  exports: [CasePipeline],
})
export class CasesModule {}
