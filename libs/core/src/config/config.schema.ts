import { z } from 'zod';
import { parseRateLimits } from './rate-limits';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');
const postgresUrl = z.string().refine((v) => /^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(v), 'must be a postgres:// URL with a database name');
const base64Key = (bytes: number) =>
  z
    .string()
    .refine(
      (v) => Buffer.from(v, 'base64').length === bytes,
      `must be exactly ${bytes} random bytes, base64-encoded (openssl rand -base64 ${bytes})`,
    );
const byteCount = z.coerce.number({ error: 'must be a number of bytes' }).int('must be a whole number of bytes').min(1);
const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1');
const snsTopicArn = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** Comma-separated SNS topic ARNs. */
const snsTopicArns = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine(
    (arns) => arns.every((a) => snsTopicArn.test(a)),
    'must be comma-separated SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>)',
  );
/**
 * How many reverse proxies stand in front: `false` (none, the default), `true` (one) or their number. The client's
 * address is then read that many entries from the right of X-Forwarded-For, where our own proxies wrote it; entries
 * further left are whatever the client sent.
 */
const proxyHops = z
  .string()
  .regex(/^(true|false|1|0|yes|no|[2-9])$/, 'must be true, false or the number of proxies in front (2 to 9)')
  .transform((v) => (v === 'true' || v === 'yes' ? 1 : v === 'false' || v === 'no' ? 0 : Number(v)));
/** Comma-separated whole seconds, e.g. `5,300,1800`. */
const secondsList = z
  .string()
  .transform((v) => v.split(',').map((s) => Number(s.trim())))
  .refine((list) => list.length > 0 && list.every((n) => Number.isInteger(n) && n >= 0 && n <= 86400), {
    error: 'must be comma-separated whole seconds from 0 to 86400, e.g. 5,300,1800',
  });
const hostname = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a lower-case host name');

/**
 * Every environment variable the platform reads. A missing or malformed one stops boot with its name.
 * Defaults describe the embedded default: no variable needs to be set for `npm start`.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port.default(3000),
  PLATFORM_DOMAIN: hostname.default('localhost'),
  OPERATOR_HOST: hostname.optional(),
  PUBLIC_SCHEME: z.enum(['http', 'https']).default('http'),
  PUBLIC_PORT: port.optional(),
  TRUST_PROXY: proxyHops.default(0),

  DATABASE_URL: postgresUrl.optional(),
  DATABASE_OWNER_URL: postgresUrl.optional(),
  DATABASE_OPERATOR_URL: postgresUrl.optional(),
  /** The runtime role straight to PostgreSQL, past a transaction pooler (pgbouncer): LISTEN and the jobs worker. */
  DATABASE_DIRECT_URL: postgresUrl.optional(),
  /** An administrator (superuser or rds_superuser-like) connection, read only by `cli db provision`. */
  DATABASE_ADMIN_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15000),
  EMBEDDED_PG_PORT: port.default(54329),
  DATA_DIR: z.string().min(1).default('.data'),
  MIGRATE_ON_BOOT: bool.optional(),
  APPLY_TENANTS_ON_BOOT: bool.optional(),
  TENANTS_DIR: z.string().min(1).default('tenants'),

  /** 32+ random bytes, base64: keys CSRF tokens and encrypts MFA secrets. Generated under DATA_DIR when embedded. */
  APP_SECRET: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length >= 32, 'must be at least 32 random bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
  /**
   * The key and certificate that sign opinion letters (PAdES/PKCS#7): a PKCS#12 file, base64, from the hospital's or
   * the platform's certificate authority. Required in production; elsewhere a demo certificate is made under DATA_DIR.
   */
  LETTER_SIGNING_P12: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length >= 100, 'must be a PKCS#12 (.p12) file, base64-encoded (base64 -w0 letters.p12)')
    .optional(),
  /** The PKCS#12 file's passphrase (empty when it has none). */
  LETTER_SIGNING_P12_PASSPHRASE: z.string().optional(),
  SESSION_IDLE_MINUTES_STAFF: z.coerce.number().int().min(1).max(720).default(15),
  SESSION_IDLE_MINUTES_PATIENT: z.coerce.number().int().min(1).max(720).default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(72).default(12),

  /**
   * How patients pay: `stripe`, or `demo`, a local checkout page where no money moves (every console then says so).
   * Unset: `stripe` in production (which then needs STRIPE_SECRET_KEY); elsewhere `stripe` when STRIPE_SECRET_KEY is
   * set, else `demo`.
   */
  PAYMENTS_PROVIDER: z.enum(['demo', 'stripe'], { error: 'must be stripe or demo' }).optional(),
  /** Stripe's secret key; needed whenever payments go through Stripe. */
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, 'must be a Stripe secret key (sk_test_... or sk_live_...)')
    .optional(),
  /** The signing secret of the /webhooks/stripe endpoint (whsec_...); required with STRIPE_SECRET_KEY. */
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=_-]+$/, 'must be a webhook signing secret (whsec_...)')
    .optional(),
  /** Where the Stripe SDK sends requests. Only for tests and local stand-ins; production leaves it unset. */
  STRIPE_API_BASE: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:12111' }).optional(),
  /** The platform's fee on each payment, in basis points (1000 = 10%); a tenant may have its own. */
  PLATFORM_FEE_BPS: z.coerce.number().int('must be a whole number').min(0).max(10000, 'must be at most 10000 (100%)').default(1000),
  /** How many times the Stripe SDK retries a request that failed with a network error or a 5xx answer. */
  STRIPE_MAX_NETWORK_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /**
   * Whether an admin-given address the platform fetches (a SAML IdP's metadata URL) may resolve to a loopback, private
   * or link-local address. Unset: refused in production (an admin could otherwise make the server read its own
   * network), allowed elsewhere so local IdPs work; tests set it either way.
   */
  SSO_FETCH_PRIVATE_ADDRESSES: bool.optional(),
  /** Bearer token a Prometheus scraper presents at /metrics. Unset: only a signed-in operator on the operator host. */
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),

  /**
   * Records at rest. On local disk each file has its own AES-256 key wrapped by FILES_MASTER_KEY (generated under
   * DATA_DIR when embedded); keys wrapped by a retired master (comma-separated) still open until they are re-wrapped.
   * With S3_BUCKET set, files go to S3 with SSE-KMS instead (credentials from the AWS default provider chain).
   */
  FILES_MASTER_KEY: base64Key(32).optional(),
  FILES_MASTER_KEYS_RETIRED: z
    .string()
    .refine((v) => v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32), 'must be comma-separated 32-byte base64 keys')
    .optional(),
  /**
   * Where records are kept: `s3` (S3_BUCKET), or `local`, encrypted files under DATA_DIR on this server's disk (every
   * console then says so). Unset: `s3` in production; elsewhere `s3` when S3_BUCKET is set, else `local`.
   */
  RECORDS_STORAGE: z.enum(['local', 's3'], { error: 'must be s3 or local' }).optional(),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: z.url({ error: 'must be a URL, e.g. https://s3.eu-west-1.amazonaws.com' }).optional(),
  S3_KMS_KEY_ID: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.optional(),
  RECORDS_MAX_FILE_BYTES: byteCount.default(2 * 1024 ** 3),
  RECORDS_MAX_CASE_BYTES: byteCount.default(10 * 1024 ** 3),
  RECORDS_ZIP_MAX_ENTRIES: z.coerce.number().int().min(1).max(100000).default(5000),
  RECORDS_ZIP_MAX_EXPANDED_BYTES: byteCount.default(4 * 1024 ** 3),
  RECORDS_ZIP_MAX_RATIO: z.coerce.number().int().min(2).max(10000).default(100),
  RECORDS_MAX_IMAGE_PIXELS: z.coerce.number().int().min(1).default(178956970),
  RECORDS_UPLOAD_EXPIRY_HOURS: z.coerce.number().int().min(1).max(720).default(24),

  /**
   * `ses`, or `outbox`: .eml files under EMAIL_OUTBOX_DIR that reach nobody (every console then says so). Unset:
   * `ses` in production; elsewhere `ses` when SES_REGION is set, else `outbox`.
   */
  EMAIL_TRANSPORT: z.enum(['outbox', 'ses'], { error: 'must be ses or outbox' }).optional(),
  EMAIL_OUTBOX_DIR: z.string().min(1).optional(),
  SES_REGION: awsRegion.optional(),
  SES_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  SES_SNS_TOPIC_ARNS: snsTopicArns.optional(),

  /**
   * The machine draft of a translated opinion (a translator always reviews it): `aws` (Amazon Translate in
   * TRANSLATE_REGION), or `demo`, which drafts nothing and says so. Unset: `aws` when TRANSLATE_REGION is set.
   */
  TRANSLATION_PROVIDER: z.enum(['aws', 'demo'], { error: 'must be aws or demo' }).optional(),
  TRANSLATE_REGION: awsRegion.optional(),
  TRANSLATE_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),

  /**
   * Texts to patients who opted in, at hospitals that turned SMS on. `pinpoint`: AWS End User Messaging
   * (SendTextMessage) in SMS_REGION; `outbox`: JSON files under SMS_OUTBOX_DIR that reach nobody. Unset: `pinpoint`
   * in production (so a missing SMS_REGION stops boot), elsewhere `pinpoint` when SMS_REGION is set, else `outbox`.
   */
  SMS_TRANSPORT: z.enum(['outbox', 'pinpoint'], { error: 'must be pinpoint or outbox' }).optional(),
  SMS_OUTBOX_DIR: z.string().min(1).optional(),
  SMS_REGION: awsRegion.optional(),
  SMS_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** SNS topics whose inbound texts (STOP) /webhooks/sms accepts; none means it accepts none. */
  SMS_SNS_TOPIC_ARNS: snsTopicArns.optional(),

  /**
   * Video consults: `chime` (Amazon Chime SDK meetings in CHIME_REGION, media in CHIME_MEDIA_REGION), or `demo`, a
   * room with no media that still checks who may join. Unset: `chime` when CHIME_REGION is set.
   */
  VIDEO_PROVIDER: z.enum(['chime', 'demo'], { error: 'must be chime or demo' }).optional(),
  CHIME_REGION: awsRegion.optional(),
  CHIME_MEDIA_REGION: awsRegion.optional(),
  CHIME_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),

  JOBS_RUN_IN_PLATFORM: bool.optional(),
  JOBS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  JOBS_POLL_SECONDS: z.coerce.number().min(0.5, 'must be at least 0.5').max(60).default(2),
  JOBS_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  JOBS_STOP_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(25),

  /** Minutes an OAuth access token from /api/v1/oauth/token lives. */
  API_ACCESS_TOKEN_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  /** Whether webhook endpoints may be private, loopback or link-local addresses; by default only outside production. */
  WEBHOOKS_ALLOW_PRIVATE_TARGETS: bool.optional(),
  /** Whether webhook endpoints must be https:// URLs; by default in production. */
  WEBHOOKS_REQUIRE_HTTPS: bool.optional(),
  /** Waits before each retry of a failed delivery (the Standard Webhooks schedule: about 28 hours in all). */
  WEBHOOKS_RETRY_SCHEDULE_SECONDS: secondsList.default([5, 300, 1800, 7200, 18000, 36000, 36000]),
  WEBHOOKS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  /** An endpoint is disabled after this many failed attempts in a row ... */
  WEBHOOKS_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(10000).default(20),
  /** ... spread over at least this many minutes (a short outage under heavy traffic does not disable it). */
  WEBHOOKS_DISABLE_AFTER_MINUTES: z.coerce.number().int().min(0).max(43200).default(1440),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The worker's small HTTP listener: /health/live, /health/ready (while its job loops poll) and /metrics. */
  WORKER_PORT: port.default(3001),
  /**
   * OpenTelemetry: with an OTLP/HTTP endpoint (e.g. http://otel-collector:4318), traces are exported there; unset,
   * nothing of the SDK is loaded. Read first by the tracing preload (libs/telemetry), validated here.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://otel-collector:4318' })
    .optional(),
  OTEL_SERVICE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be a short name (letters, digits, . _ -)')
    .optional(),
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(120000).optional(),
  PAGE_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).optional(),
  /** Overrides of the abuse limits' defaults (config/rate-limits.ts), e.g. `sign-up.ip=100/1h,messages.actor=30/1h`. */
  RATE_LIMITS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      for (const problem of parseRateLimits(value).problems) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export type RawConfig = z.infer<typeof configSchema>;
