import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../libs/core/src/config/config';
import { configSchema } from '../../libs/core/src/config/config.schema';

/**
 * deploy/compose.yaml as an operator relies on it: start-up order, who gets which credential, the proxy's view of
 * the replicas, no secret in the file. `scripts/check-deploy.sh compose` validates it with Docker Compose itself.
 */
const root = path.resolve(__dirname, '../..');
const text = readFileSync(path.join(root, 'deploy/compose.yaml'), 'utf8');
const compose = parse(text, { merge: true }) as {
  name: string;
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
interface Service {
  image: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  expose?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  stop_grace_period?: string;
  restart?: string;
}
const services = compose.services;
const app = Object.entries(services).filter(([, s]) => s.image.startsWith('${CONSILIUM_IMAGE'));
const platforms = app.filter(([, s]) => s.command?.[0] === 'platform').map(([name]) => name);
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)![1]);

describe('deploy/compose.yaml', () => {
  it('runs PostgreSQL 18 with its data on a named volume and a TCP health check', () => {
    const pg = services.postgres;
    expect(pg.image).toBe('postgres:18');
    expect(pg.volumes).toContain('pgdata:/var/lib/postgresql');
    expect(pg.healthcheck!.test).toEqual(expect.arrayContaining(['pg_isready', '-h', '127.0.0.1']));
  });

  it('starts in order: database healthy, roles, migrations, blueprints, then replicas and worker, then the proxy', () => {
    const waits = (name: string, on: string, condition: string) => expect(services[name].depends_on?.[on]).toEqual({ condition });
    waits('provision', 'postgres', 'service_healthy');
    waits('migrate', 'provision', 'service_completed_successfully');
    waits('tenants', 'migrate', 'service_completed_successfully');
    for (const p of platforms) waits(p, 'tenants', 'service_completed_successfully');
    waits('worker', 'migrate', 'service_completed_successfully');
    for (const p of platforms) waits('proxy', p, 'service_healthy');
    expect(services.provision.command).toEqual(['cli', 'db', 'provision', '--passwords-from-env']);
    expect(services.migrate.command).toEqual(['cli', 'migrate']);
    expect(services.tenants.command).toEqual(['cli', 'tenants', 'apply']);
    expect(services.worker.command).toEqual(['worker']);
    for (const one of ['provision', 'migrate', 'tenants']) expect(services[one].restart).toBe('no');
  });

  it('mounts nothing a replica owns alone: every replica and the worker share the one files volume (records and unfinished uploads)', () => {
    const mounts = [...platforms, 'worker'].map((name) => services[name].volumes ?? []);
    for (const list of mounts) expect(list).toEqual(['files:/app/.data']);
    expect(compose.volumes).toHaveProperty('files');
  });

  it('runs at least two platform replicas, and the proxy balances over exactly those', () => {
    expect(platforms.length).toBeGreaterThanOrEqual(2);
    const caddyfile = readFileSync(path.join(root, 'deploy/compose/Caddyfile'), 'utf8');
    const upstreams = /reverse_proxy ([^{]+)\{/.exec(caddyfile)![1].trim().split(/\s+/);
    expect(upstreams).toEqual(platforms.map((p) => `${p}:3000`));
    expect(caddyfile).toContain('health_uri /health/ready');
    expect(caddyfile).toMatch(/http:\/\/\*\.localhost/);
    const directives = caddyfile
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .join('\n');
    expect(directives).not.toContain('trusted_proxies'); // forwarded headers from clients are never believed
  });

  it('sets only variables the platform knows, behind a trusted proxy, draining before Docker kills', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const [name, s] of app) {
      for (const key of Object.keys(s.environment ?? {}))
        expect(`${name}: ${key} ${known.has(key) ? 'known' : 'unknown'}`).toBe(`${name}: ${key} known`);
      expect(s.environment?.TRUST_PROXY).toBe('true');
    }
    for (const p of platforms) {
      const drainSeconds = Number(services[p].environment!.SHUTDOWN_DRAIN_MS) / 1000;
      expect(seconds(services[p].stop_grace_period!)).toBeGreaterThan(drainSeconds + 10);
    }
  });

  it('lets the image health check probe the worker on its WORKER_PORT listener', () => {
    const worker = services.worker;
    const port = worker.environment!.WORKER_PORT;
    expect(port).toMatch(/^\d+$/);
    expect(worker.expose).toEqual([port]);
    // No healthcheck of its own: the image's (deploy/healthcheck.js) asks the worker's /health/live on WORKER_PORT.
    expect(worker.healthcheck).toBeUndefined();
    const script = readFileSync(path.join(root, 'deploy/healthcheck.js'), 'utf8');
    expect(script).toContain("role === 'worker' ? Number(process.env.WORKER_PORT");
    expect(script).toContain("path: '/health/live'");
  });

  it('hands the owner (DDL) credential and the admin one only to the one-shots that need them', () => {
    const holders = (key: string) =>
      app
        .filter(([, s]) => s.environment?.[key])
        .map(([name]) => name)
        .sort();
    expect(holders('DATABASE_OWNER_URL')).toEqual(['migrate', 'provision']);
    expect(holders('DATABASE_ADMIN_URL')).toEqual(['provision']);
    for (const [name, s] of app) {
      expect(`${name}: ${s.read_only}`).toBe(`${name}: true`);
      expect(s.cap_drop).toEqual(['ALL']);
    }
  });

  it('commits no secret: every credential is interpolated from deploy/.env, and .env.example leaves them empty', () => {
    for (const m of text.matchAll(/postgres:\/\/([^:@\s]+):([^@\s]+)@/g)) expect(m[2]).toMatch(/^\$\{[A-Z_]+(:\?[^}]*)?\}$/);
    for (const m of text.matchAll(/^\s*(POSTGRES_PASSWORD|APP_SECRET|FILES_MASTER_KEY|METRICS_TOKEN):\s*(.*)$/gm))
      expect(m[2]).toMatch(/^\$\{/);
    const example = readFileSync(path.join(root, 'deploy/.env.example'), 'utf8');
    const listed = new Map([...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    for (const m of text.matchAll(/\$\{([A-Z0-9_]+)/g)) expect(`${m[1]} ${listed.has(m[1]) ? 'listed' : 'missing'}`).toBe(`${m[1]} listed`);
    for (const [key, value] of listed) if (/PASSWORD|SECRET|TOKEN/.test(key)) expect(`${key}=${value}`).toBe(`${key}=`);
  });

  it('names the real payment, email and record services for the platform and the worker, and starts on a fresh .env only once they are filled in (or --demo)', () => {
    const genEnv = (...args: string[]) => {
      const run = spawnSync('sh', [path.join(root, 'deploy/gen-env.sh'), ...args], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      return new Map([...run.stdout.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    };
    // What Docker Compose hands a service: ${NAME:-default} and ${NAME:?message} resolved from deploy/.env.
    const resolved = (service: Service, dotEnv: Map<string, string>) =>
      Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([key, value]) => [
          key,
          String(value).replace(
            /\$\{([A-Z0-9_]+)(?::[-?]([^}]*))?\}/g,
            (_, name: string, fallback?: string) => dotEnv.get(name) || (value.includes(`${name}:-`) ? (fallback ?? '') : ''),
          ),
        ]),
      );
    const boot = (service: Service, dotEnv: Map<string, string>): string[] => {
      try {
        return loadConfig(resolved(service, dotEnv), { services: true }).standIns;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.problems.map((p) => `refused: ${p.slice(0, p.indexOf(':'))}`);
      }
    };
    for (const name of [...platforms, 'worker']) {
      for (const key of [
        'PAYMENTS_PROVIDER',
        'STRIPE_SECRET_KEY',
        'STRIPE_WEBHOOK_SECRET',
        'EMAIL_TRANSPORT',
        'SES_REGION',
        'RECORDS_STORAGE',
        'S3_BUCKET',
        'SMS_TRANSPORT',
        'SMS_REGION',
      ])
        expect(`${name}: ${key} ${services[name].environment?.[key] !== undefined}`).toBe(`${name}: ${key} true`);
      const fresh = genEnv();
      expect(boot(services[name], fresh)).toEqual([
        'refused: STRIPE_SECRET_KEY',
        'refused: STRIPE_WEBHOOK_SECRET',
        'refused: SES_REGION',
        'refused: S3_BUCKET',
        'refused: SMS_REGION',
      ]);
      const filled = new Map([
        ...fresh,
        ['STRIPE_SECRET_KEY', 'sk_live_abc'],
        ['STRIPE_WEBHOOK_SECRET', 'whsec_abc'],
        ['SES_REGION', 'eu-west-1'],
        ['S3_BUCKET', 'hospital-records'],
        ['SMS_REGION', 'eu-west-1'],
      ]);
      expect(boot(services[name], filled)).toEqual([]);
      expect(boot(services[name], genEnv('--demo'))).toEqual(['payments', 'email', 'records', 'sms']);
    }
    expect(spawnSync('sh', [path.join(root, 'deploy/gen-env.sh'), '--prod'], { encoding: 'utf8' }).status).toBe(2);
  });

  it('gen-env.sh fills every required secret with a fresh URL-safe value', () => {
    const run = () => {
      const out = spawnSync('sh', [path.join(root, 'deploy/gen-env.sh')], { encoding: 'utf8' });
      expect(out.status).toBe(0);
      return new Map([...out.stdout.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    };
    const [a, b] = [run(), run()];
    const required = [...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThanOrEqual(5);
    for (const key of required) {
      expect(a.get(key)).toBeTruthy();
      expect(a.get(key)).not.toBe(b.get(key));
      if (key.endsWith('PASSWORD')) expect(a.get(key)).toMatch(/^[0-9a-f]{48}$/);
    }
    expect(Buffer.from(a.get('APP_SECRET')!, 'base64')).toHaveLength(32);
    expect(Buffer.from(a.get('FILES_MASTER_KEY')!, 'base64')).toHaveLength(32);
    expect(configSchema.shape.METRICS_TOKEN.safeParse(a.get('METRICS_TOKEN')).success).toBe(true);
  });
});
