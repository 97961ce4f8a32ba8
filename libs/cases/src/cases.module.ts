import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Case } from './case.entity';
import { CaseAccess } from './case-access';
import { CaseMessages } from './case-messages.service';
import { CasePipeline } from './case-pipeline.service';
import { CaseTimeline } from './case-timeline.service';

@Module({
  imports: [TypeOrmModule.forFeature([Case])],
  providers: [CaseAccess, CaseMessages, CasePipeline, CaseTimeline],
  exports: [CaseAccess, CaseMessages, CasePipeline, CaseTimeline],
})
export class CasesModule {}
