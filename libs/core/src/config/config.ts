import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema, RawConfig } from './config.schema';
import { demoSigningCertificate } from './demo-signing-certificate';
import { projectRoot } from './project-root';
import { parseRateLimits, RateLimitRules } from './rate-limits';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration error:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface SmsSettings {
  /** `outbox` writes JSON files under `outboxDir`; `pinpoint` sends through AWS End User Messaging. */
  transport: 'outbox' | 'pinpoint';
  outboxDir: string;
  region?: string;
  /** Only for a stand-in (tests); unset means the real regional endpoint. */
  endpoint?: string;
  /** SNS topics whose inbound texts /webhooks/sms accepts. */
  snsTopicArns: string[];
}

export interface DatabaseUrls {
  /** The runtime role: NOSUPERUSER, NOBYPASSRLS, owns nothing. The app only ever connects as this. */
  runtime: string;
  /** The migration owner: owns the tables. Only migrations use it. */
  owner?: string;
  /** The operator path: cross-tenant reads and tenant onboarding, used only by operator code. */
  operator?: string;
  /**
   * The runtime role without a transaction pooler in between (DATABASE_DIRECT_URL), for what needs a session of its
   * own: LISTEN, and the jobs worker's maintenance. Unset, `runtime` is direct already; read it through directUrl().
   */
  direct?: string;
}

/** The runtime role's session-level address: DATABASE_DIRECT_URL when a pooler sits on DATABASE_URL, else DATABASE_URL. */
export function directUrl(database: DatabaseUrls): string {
  return database.direct ?? database.runtime;
}

export interface EmailSettings {
  /** `outbox` writes .eml files under `outboxDir`; `ses` sends through Amazon SES. */
  transport: 'outbox' | 'ses';
  outboxDir: string;
  sesRegion?: string;
  /** Only for a stand-in (tests, LocalStack); unset means the real regional endpoint. */
  sesEndpoint?: string;
  /** SNS topics whose bounce and complaint notifications /webhooks/ses accepts; none means it accepts none. */
  snsTopicArns: string[];
}

/**
 * The services outside our walls that have a stand-in, so the embedded default runs offline: payments (Stripe or the
 * demo checkout), email (SES or the local outbox), record files (S3 or this server's disk) and texts (AWS End User
 * Messaging or the local SMS outbox).
 */
export interface ServiceChoices {
  payments: 'stripe' | 'demo';
  email: 'ses' | 'outbox';
  records: 's3' | 'local';
  sms: 'pinpoint' | 'outbox';
}

/** A stand-in in use. Every console page tells staff and operators, by key (core's `standIns.<name>`). */
export type StandIn = keyof ServiceChoices;

interface ServiceRule {
  /** The variable that chooses deliberately. */
  choice: string;
  real: string;
  standIn: string;
  /** What the real service cannot work without. */
  settings: string[];
  /** Read in development and tests: with this set and no choice made, the real service is meant. */
  signal: string;
  fallback: string;
}

const SERVICE_RULES: Record<StandIn, ServiceRule> = {
  payments: {
    choice: 'PAYMENTS_PROVIDER',
    real: 'stripe',
    standIn: 'demo',
    settings: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'],
    signal: 'STRIPE_SECRET_KEY',
    fallback: 'payments would fall back to the demo checkout, where no money moves',
  },
  email: {
    choice: 'EMAIL_TRANSPORT',
    real: 'ses',
    standIn: 'outbox',
    settings: ['SES_REGION'],
    signal: 'SES_REGION',
    fallback: 'email would go to a local outbox and reach nobody',
  },
  records: {
    choice: 'RECORDS_STORAGE',
    real: 's3',
    standIn: 'local',
    settings: ['S3_BUCKET'],
    signal: 'S3_BUCKET',
    fallback: "records would be kept on this server's disk",
  },
  sms: {
    choice: 'SMS_TRANSPORT',
    real: 'pinpoint',
    standIn: 'outbox',
    settings: ['SMS_REGION'],
    signal: 'SMS_REGION',
    fallback: 'texts patients opted into would go to a local outbox and reach nobody',
  },
};

/**
 * Which service each stand-in slot uses. An explicit choice wins. Otherwise production means the real service (so a
 * missing setting stops boot instead of quietly running the stand-in); development and tests follow what is set.
 * Reads plain strings so it also works on an environment that failed validation.
 */
export function chooseServices(env: Record<string, unknown>): ServiceChoices {
  const production = env.NODE_ENV === 'production';
  const pick = (rule: ServiceRule): string => {
    const explicit = env[rule.choice];
    if (explicit === rule.real || explicit === rule.standIn) return explicit;
    return production || env[rule.signal] ? rule.real : rule.standIn;
  };
  return {
    payments: pick(SERVICE_RULES.payments) as ServiceChoices['payments'],
    email: pick(SERVICE_RULES.email) as ServiceChoices['email'],
    records: pick(SERVICE_RULES.records) as ServiceChoices['records'],
    sms: pick(SERVICE_RULES.sms) as ServiceChoices['sms'],
  };
}

/**
 * Every setting a chosen real service lacks, by variable name. The platform and the worker refuse to boot on any of
 * these; the CLI does not ask (a migration job has no business holding the Stripe key).
 */
export function serviceProblems(env: Record<string, unknown>): string[] {
  const chosen = chooseServices(env);
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(SERVICE_RULES) as [StandIn, ServiceRule][]) {
    if (chosen[name] !== rule.real) continue;
    for (const setting of rule.settings.filter((s) => !env[s])) {
      problems.push(
        env[rule.choice] === rule.real
          ? `${setting}: must be set when ${rule.choice} is ${rule.real}`
          : `${setting}: must be set in production, or ${rule.fallback}; to choose that deliberately, set ${rule.choice}=${rule.standIn}`,
      );
    }
  }
  return problems;
}

/** Where a translated opinion's machine draft comes from; a translator reviews it either way. */
export interface VideoSettings {
  provider: 'chime' | 'demo';
  region?: string;
  mediaRegion?: string;
  /** Only for a stand-in (tests); unset means the real regional endpoint. */
  endpoint?: string;
}

export interface TranslationSettings {
  provider: 'aws' | 'demo';
  region?: string;
  /** Only for a stand-in (tests); unset means the real regional endpoint. */
  endpoint?: string;
}

export interface JobSettings {
  /** Run job handlers inside the platform process too (the embedded default has no separate worker). */
  runInPlatform: boolean;
  /** Jobs of one kind a process runs at the same time. */
  concurrency: number;
  pollMs: number;
  /** How often expired jobs (a crashed worker's) are put back for retry. */
  maintenanceSeconds: number;
  stopTimeoutMs: number;
}

export interface WebhookSettings {
  /** Private, loopback, link-local and other non-public addresses may be targets (never in production by default). */
  allowPrivateTargets: boolean;
  requireHttps: boolean;
  /** Seconds to wait before each retry; its length is how many retries a delivery gets. */
  retryScheduleSeconds: number[];
  timeoutMs: number;
  disableAfterFailures: number;
  disableAfterMinutes: number;
}

/** Validated configuration. Build it once with `loadConfig` and pass it down; never read process.env elsewhere. */
export class AppConfig {
  readonly embedded: boolean;
  readonly dataDir: string;
  readonly tenantsDir: string;
  readonly operatorHost: string;
  readonly migrateOnBoot: boolean;
  readonly applyTenantsOnBoot: boolean;
  readonly shutdownDrainMs: number;
  readonly email: EmailSettings;
  readonly translation: TranslationSettings;
  readonly sms: SmsSettings;
  readonly video: VideoSettings;
  readonly jobs: JobSettings;
  /** Reverse proxies in front (TRUST_PROXY): 0 reads the socket's peer as the client. */
  readonly proxyHops: number;
  /** May an address an admin gives the platform to fetch resolve to this machine or a private network? */
  readonly fetchPrivateAddresses: boolean;
  /** The abuse limits: the defaults with RATE_LIMITS applied. */
  readonly rateLimits: RateLimitRules;
  /** Real service or stand-in, for payments, email and record files (see chooseServices). */
  readonly services: ServiceChoices;
  readonly webhooks: WebhookSettings;
  /** Filled in at boot: from the environment, or from the embedded PostgreSQL. */
  database: DatabaseUrls;
  private secret?: Buffer;
  private filesKey?: Buffer;

  constructor(readonly raw: RawConfig) {
    this.embedded = !raw.DATABASE_URL;
    this.dataDir = path.resolve(projectRoot(), raw.DATA_DIR);
    this.tenantsDir = path.resolve(projectRoot(), raw.TENANTS_DIR);
    this.operatorHost = raw.OPERATOR_HOST ?? `admin.${raw.PLATFORM_DOMAIN}`;
    this.migrateOnBoot = raw.MIGRATE_ON_BOOT ?? this.embedded;
    this.applyTenantsOnBoot = raw.APPLY_TENANTS_ON_BOOT ?? this.embedded;
    this.shutdownDrainMs = raw.SHUTDOWN_DRAIN_MS ?? (this.embedded ? 0 : 5000);
    this.services = chooseServices(raw);
    this.email = {
      transport: this.services.email,
      outboxDir: path.resolve(projectRoot(), raw.EMAIL_OUTBOX_DIR ?? path.join(raw.DATA_DIR, 'outbox')),
      sesRegion: raw.SES_REGION,
      sesEndpoint: raw.SES_ENDPOINT,
      snsTopicArns: raw.SES_SNS_TOPIC_ARNS ?? [],
    };
    this.translation = {
      provider: raw.TRANSLATION_PROVIDER ?? (raw.TRANSLATE_REGION ? 'aws' : 'demo'),
      region: raw.TRANSLATE_REGION,
      endpoint: raw.TRANSLATE_ENDPOINT,
    };
    this.video = {
      provider: raw.VIDEO_PROVIDER ?? (raw.CHIME_REGION ? 'chime' : 'demo'),
      region: raw.CHIME_REGION,
      mediaRegion: raw.CHIME_MEDIA_REGION,
      endpoint: raw.CHIME_ENDPOINT,
    };
    this.sms = {
      transport: this.services.sms,
      outboxDir: path.resolve(projectRoot(), raw.SMS_OUTBOX_DIR ?? path.join(raw.DATA_DIR, 'sms-outbox')),
      region: raw.SMS_REGION,
      endpoint: raw.SMS_ENDPOINT,
      snsTopicArns: raw.SMS_SNS_TOPIC_ARNS ?? [],
    };
    this.jobs = {
      runInPlatform: raw.JOBS_RUN_IN_PLATFORM ?? this.embedded,
      concurrency: raw.JOBS_CONCURRENCY,
      pollMs: Math.round(raw.JOBS_POLL_SECONDS * 1000),
      maintenanceSeconds: raw.JOBS_MAINTENANCE_SECONDS,
      stopTimeoutMs: raw.JOBS_STOP_TIMEOUT_SECONDS * 1000,
    };
    this.proxyHops = raw.TRUST_PROXY;
    this.fetchPrivateAddresses = raw.SSO_FETCH_PRIVATE_ADDRESSES ?? raw.NODE_ENV !== 'production';
    this.rateLimits = parseRateLimits(raw.RATE_LIMITS).rules;
    const production = raw.NODE_ENV === 'production';
    this.webhooks = {
      allowPrivateTargets: raw.WEBHOOKS_ALLOW_PRIVATE_TARGETS ?? !production,
      requireHttps: raw.WEBHOOKS_REQUIRE_HTTPS ?? production,
      retryScheduleSeconds: raw.WEBHOOKS_RETRY_SCHEDULE_SECONDS,
      timeoutMs: raw.WEBHOOKS_TIMEOUT_SECONDS * 1000,
      disableAfterFailures: raw.WEBHOOKS_DISABLE_AFTER_FAILURES,
      disableAfterMinutes: raw.WEBHOOKS_DISABLE_AFTER_MINUTES,
    };
    this.database = raw.DATABASE_URL
      ? { runtime: raw.DATABASE_URL, owner: raw.DATABASE_OWNER_URL, operator: raw.DATABASE_OPERATOR_URL, direct: raw.DATABASE_DIRECT_URL }
      : { runtime: '' };
  }

  /** The application secret; in the embedded default it is generated once and kept under DATA_DIR. */
  get appSecret(): Buffer {
    if (this.secret) return this.secret;
    if (this.raw.APP_SECRET) return (this.secret = Buffer.from(this.raw.APP_SECRET, 'base64'));
    if (!this.embedded) throw new ConfigError(['APP_SECRET: must be set']);
    return (this.secret = localSecret(this.dataDir, 'app-secret'));
  }

  /** The master key that wraps each stored file's data key; generated once under DATA_DIR in the embedded default. */
  get filesMasterKey(): Buffer {
    if (this.filesKey) return this.filesKey;
    if (this.raw.FILES_MASTER_KEY) return (this.filesKey = Buffer.from(this.raw.FILES_MASTER_KEY, 'base64'));
    if (!this.embedded)
      throw new ConfigError(['FILES_MASTER_KEY: must be set when DATABASE_URL is set (32 random bytes, base64: openssl rand -base64 32)']);
    return (this.filesKey = localSecret(this.dataDir, 'files-master-key'));
  }

  /**
   * The PKCS#12 that signs opinion letters. It fails closed: in production it must be provided, and no letter is
   * delivered unsigned or signed with a made-up key; elsewhere (the embedded default, development, tests) a self-signed
   * demo certificate is made once, under DATA_DIR.
   */
  get letterSigningKey(): { p12: Buffer; passphrase: string; demo: boolean } {
    if (this.raw.LETTER_SIGNING_P12)
      return {
        p12: Buffer.from(this.raw.LETTER_SIGNING_P12, 'base64'),
        passphrase: this.raw.LETTER_SIGNING_P12_PASSPHRASE ?? '',
        demo: false,
      };
    if (this.raw.NODE_ENV === 'production')
      throw new ConfigError(['LETTER_SIGNING_P12: must be set in production (the PKCS#12 that signs opinion letters, base64)']);
    return { p12: demoSigningCertificate(this.dataDir), passphrase: '', demo: true };
  }

  /** The stand-ins in use, in a fixed order: each console page shows one line per entry. */
  get standIns(): StandIn[] {
    return (Object.keys(SERVICE_RULES) as StandIn[]).filter((name) => this.services[name] === SERVICE_RULES[name].standIn);
  }

  get port(): number {
    return this.raw.PORT;
  }

  /** The public origin of a host, e.g. `http://lakeshore.localhost:3000`. */
  originFor(host: string): string {
    const port = this.raw.PUBLIC_PORT ?? this.raw.PORT;
    const defaultPort = this.raw.PUBLIC_SCHEME === 'https' ? 443 : 80;
    return `${this.raw.PUBLIC_SCHEME}://${host}${port === defaultPort ? '' : `:${port}`}`;
  }

  /** The platform sub-domain every tenant gets: `<slug>.<PLATFORM_DOMAIN>`. */
  platformHostFor(slug: string): string {
    return `${slug}.${this.raw.PLATFORM_DOMAIN}`;
  }
}

export interface LoadOptions {
  /**
   * The platform and the worker: also require every setting of the real payment, email and record services they
   * would use (serviceProblems), so production never runs a stand-in by accident.
   */
  services?: boolean;
}

/** Validates the environment; every problem is listed at once, by variable name, and no value is ever echoed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): AppConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  // Values are never echoed: some of them (database URLs) carry secrets.
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const config = parsed.success ? new AppConfig(parsed.data) : undefined;
  if (config) problems.push(...consistencyProblems(config));
  if (options.services) {
    problems.push(...serviceProblems(input));
    // Both processes open stored records (the platform serves them, the worker checks them).
    if (input.DATABASE_URL && !input.FILES_MASTER_KEY)
      problems.push('FILES_MASTER_KEY: must be set when DATABASE_URL is set (32 random bytes, base64: openssl rand -base64 32)');
  }
  // One line per variable: the first (most specific) message wins.
  const named = new Set<string>();
  const unique = problems.filter((p) => {
    const name = p.slice(0, p.indexOf(':'));
    if (named.has(name)) return false;
    named.add(name);
    return true;
  });
  if (!config || unique.length) throw new ConfigError(unique);
  return config;
}

function consistencyProblems(config: AppConfig): string[] {
  const problems: string[] = [];
  if (config.raw.DATABASE_OWNER_URL && !config.raw.DATABASE_URL) {
    problems.push('DATABASE_URL: must be set when DATABASE_OWNER_URL is set (the app connects as the runtime role)');
  }
  if (!config.embedded && !config.raw.APP_SECRET) {
    problems.push('APP_SECRET: must be set when DATABASE_URL is set (32+ random bytes, base64: openssl rand -base64 32)');
  }
  if (config.raw.VIDEO_PROVIDER === 'chime' && !config.raw.CHIME_REGION) {
    problems.push('CHIME_REGION: must be set when VIDEO_PROVIDER is chime');
  }
  if (config.raw.TRANSLATION_PROVIDER === 'aws' && !config.raw.TRANSLATE_REGION) {
    problems.push('TRANSLATE_REGION: must be set when TRANSLATION_PROVIDER is aws');
  }
  if (config.raw.STRIPE_SECRET_KEY && !config.raw.STRIPE_WEBHOOK_SECRET) {
    problems.push('STRIPE_WEBHOOK_SECRET: must be set when STRIPE_SECRET_KEY is set (webhooks are how payments learn of authorizations)');
  }
  if (config.migrateOnBoot && !config.embedded && !config.raw.DATABASE_OWNER_URL) {
    problems.push('DATABASE_OWNER_URL: must be set when MIGRATE_ON_BOOT is true (migrations run as the owner role)');
  }
  return problems;
}

function localSecret(dataDir: string, name: string): Buffer {
  const file = path.join(dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}
