import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../database/tokens';
import { MigrationClass, pendingMigrations } from '../database/migrator';
import { Public } from './public.decorator';
import { Lifecycle } from './lifecycle';

@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MIGRATIONS) private readonly migrations: MigrationClass[],
    private readonly lifecycle: Lifecycle,
  ) {}

  @Public()
  @Get('live')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  live() {
    return { status: 'ok' };
  }

  /** Ready when not draining, the database answers, and every migration the code knows is applied. */
  @Public()
  @Get('ready')
  @Header('cache-control', 'no-store')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const checks: Record<string, string> = {};
    checks.shutdown = this.lifecycle.isDraining ? 'draining' : 'ok';
    try {
      const pending = await pendingMigrations(this.dataSource, this.migrations);
      checks.database = 'ok';
      checks.migrations = pending.length ? `${pending.length} pending` : 'ok';
    } catch {
      checks.database = 'unreachable';
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }
}
