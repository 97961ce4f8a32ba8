// The one place benchmarks build their configuration, the way production does: NODE_ENV=production, secrets set
// explicitly (generated per run), every stand-in for an outside service chosen by name rather than fallen back to,
// migrations and blueprints applied by the benchmark (as `cli migrate` and `cli tenants apply` do in production)
// instead of at boot. A setting production comes to require is added here, and every benchmark has it.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(path.join(root, 'package.json'));

// One set of secrets per benchmark run, shared by the benchmark's own process and the children it starts.
const secrets = {
  APP_SECRET: randomBytes(32).toString('base64'),
  FILES_MASTER_KEY: randomBytes(32).toString('base64'),
};

/**
 * The environment of a production process, with `overrides` on top (database URLs, DATA_DIR, ports, sizes).
 * Only these variables reach a child: nothing of the shell that started the benchmark leaks into what is measured.
 */
export function productionEnv(overrides = {}) {
  return {
    NODE_ENV: 'production',
    ...secrets,
    // Explicit stand-ins, as a production boot demands them (issue 16): no money moves, mail goes to the local outbox,
    // records stay on local disk encrypted with FILES_MASTER_KEY. Nothing leaves the machine.
    PAYMENTS_PROVIDER: 'demo',
    EMAIL_TRANSPORT: 'outbox',
    RECORDS_STORAGE: 'local',
    SMS_TRANSPORT: 'outbox',
    // Production migrates with `cli migrate` and applies blueprints with `cli tenants apply`: the benchmark does both.
    MIGRATE_ON_BOOT: 'false',
    APPLY_TENANTS_ON_BOOT: 'false',
    LOG_LEVEL: 'warn',
    // No load balancer watches readiness here: a stopping server closes at once.
    SHUTDOWN_DRAIN_MS: '0',
    ...overrides,
  };
}

/** The environment a child process is started with: PATH (to find nothing but what it needs) and productionEnv. */
export function childEnv(overrides = {}) {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...productionEnv(overrides) };
}

/** The validated configuration of an in-process application (the compiled core's loadConfig over productionEnv). */
export function productionConfig(overrides = {}) {
  const core = require(path.join(root, 'dist/libs/core/src/index.js'));
  return core.loadConfig(productionEnv(overrides));
}
