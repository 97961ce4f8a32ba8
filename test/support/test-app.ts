import { AppConfig, createWebApp, loadConfig } from '@consilium/core';
import { ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PlatformModule } from '../../apps/platform/src/platform.module';
import { TEST_RATE_LIMITS } from './rate-limits';

/** Configuration for a test process: the test database, nothing applied on boot, quiet logs. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    DATABASE_OWNER_URL: process.env.TEST_DATABASE_OWNER_URL,
    DATABASE_OPERATOR_URL: process.env.TEST_DATABASE_OPERATOR_URL,
    MIGRATE_ON_BOOT: 'false',
    APPLY_TENANTS_ON_BOOT: 'false',
    LOG_LEVEL: 'silent',
    APP_SECRET: Buffer.alloc(32, 1).toString('base64'),
    // Suites that read the outbox give their own folder; the rest never write into the repository's .data/.
    EMAIL_OUTBOX_DIR: path.join(tmpdir(), 'consilium-test-outbox'),
    // Records (the whole platform has them) are kept outside the repository too, under a key of the tests.
    DATA_DIR: path.join(tmpdir(), 'consilium-test-data'),
    FILES_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
    RATE_LIMITS: TEST_RATE_LIMITS,
    ...overrides,
  });
  return config;
}

/** The platform app, initialised but not listening: supertest drives it through `app.getHttpServer()`. */
export async function createTestApp(
  overrides: Record<string, string> = {},
  extra: Pick<ModuleMetadata, 'imports' | 'providers'> = {},
  options: { domains?: boolean } = {},
): Promise<NestFastifyApplication> {
  const config = testConfig(overrides);
  const app = await createWebApp(PlatformModule.register(config, extra, { domains: options.domains ?? false }), config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/**
 * The platform app with some providers replaced (only what lies outside our walls: AWS's certificate host, for
 * instance), built through Nest's testing module. Web defaults that createWebApp adds (helmet, static files) are
 * left out: suites using this test behaviour behind them.
 */
export async function createTestAppWith(
  overrides: Record<string, string>,
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder,
): Promise<NestFastifyApplication> {
  const config = testConfig(overrides);
  const moduleRef = await customize(
    Test.createTestingModule({ imports: [PlatformModule.register(config, {}, { domains: false })] }),
  ).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
