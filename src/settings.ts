import { DEFAULT_MYSQL_URL } from './adapters/mysql/connection.ts';
import { DEFAULT_QUEUE_PREFIX, DEFAULT_REDIS_URL, hashTagged, redisUrls } from './adapters/redis/connections.ts';

/**
 * Settings from the environment (SPEC §4), resolved once: every default is
 * named here and the rest of the code trusts the compiled result.
 */

export const DEFAULTS = {
  dataDir: './data',
  httpAddr: '127.0.0.1:8080',
  workerConcurrency: 8,
  schedulerConcurrency: 8,
  sweepIntervalMs: 5000,
  sweepIdleMs: 10000,
  jobLockMs: 30000,
  stalledIntervalMs: 15000,
  lockTtlMs: 5000,
  fanOutMax: 100,
  callbackTimeoutMs: 15 * 60 * 1000,
  tokenGraceMs: 60 * 1000,
} as const;

export interface Settings {
  mysqlUrl: string;
  redisUrls: string[];
  queuePrefix: string;
  dataDir: string;
  httpAddr: string;
  apiToken: string | undefined;
  callbackSecret: string | undefined;
  ffmpegPath: string | undefined;
  workerConcurrency: number;
  schedulerConcurrency: number;
  sweepIntervalMs: number;
  sweepIdleMs: number;
  jobLockMs: number;
  stalledIntervalMs: number;
  lockTtlMs: number;
  /** Our base URL as external services reach it; default from the HTTP address. */
  publicUrl: string;
  /** Base for relative `params.url` of callback components. */
  servicesUrl: string | undefined;
  fanOutMax: number;
  callbackTimeoutMs: number;
  tokenGraceMs: number;
  /** Searched first for flows named by `--flow` and `fan_out.flow`. */
  flowsDir: string | undefined;
  /** Signs webhook bodies; generated and stored on first use when unset. */
  webhookSecret: string | undefined;
  webhookBackoffMs: number;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new SettingsError(name, `expected a positive integer, got "${raw}"`);
  return n;
}

export function compileSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    mysqlUrl: env.SLOTFLOW_MYSQL_URL || DEFAULT_MYSQL_URL,
    redisUrls: redisUrls(env.SLOTFLOW_REDIS_URL || DEFAULT_REDIS_URL),
    queuePrefix: hashTagged(env.SLOTFLOW_QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX),
    dataDir: env.SLOTFLOW_DATA_DIR || DEFAULTS.dataDir,
    httpAddr: env.SLOTFLOW_HTTP_ADDR || DEFAULTS.httpAddr,
    apiToken: env.SLOTFLOW_API_TOKEN || undefined,
    callbackSecret: env.SLOTFLOW_CALLBACK_SECRET || undefined,
    ffmpegPath: env.FFMPEG_PATH || undefined,
    workerConcurrency: positiveInt(env, 'SLOTFLOW_WORKER_CONCURRENCY', DEFAULTS.workerConcurrency),
    schedulerConcurrency: positiveInt(env, 'SLOTFLOW_SCHEDULER_CONCURRENCY', DEFAULTS.schedulerConcurrency),
    sweepIntervalMs: positiveInt(env, 'SLOTFLOW_SWEEP_INTERVAL_MS', DEFAULTS.sweepIntervalMs),
    sweepIdleMs: positiveInt(env, 'SLOTFLOW_SWEEP_IDLE_MS', DEFAULTS.sweepIdleMs),
    jobLockMs: positiveInt(env, 'SLOTFLOW_JOB_LOCK_MS', DEFAULTS.jobLockMs),
    stalledIntervalMs: positiveInt(env, 'SLOTFLOW_STALLED_INTERVAL_MS', DEFAULTS.stalledIntervalMs),
    lockTtlMs: positiveInt(env, 'SLOTFLOW_LOCK_TTL_MS', DEFAULTS.lockTtlMs),
    publicUrl: env.SLOTFLOW_PUBLIC_URL || `http://${env.SLOTFLOW_HTTP_ADDR || DEFAULTS.httpAddr}`,
    servicesUrl: env.SLOTFLOW_SERVICES_URL || undefined,
    fanOutMax: positiveInt(env, 'SLOTFLOW_FANOUT_MAX', DEFAULTS.fanOutMax),
    callbackTimeoutMs: positiveInt(env, 'SLOTFLOW_CALLBACK_TIMEOUT_MS', DEFAULTS.callbackTimeoutMs),
    tokenGraceMs: positiveInt(env, 'SLOTFLOW_TOKEN_GRACE_MS', DEFAULTS.tokenGraceMs),
    flowsDir: env.SLOTFLOW_FLOWS_DIR || undefined,
    webhookSecret: env.SLOTFLOW_WEBHOOK_SECRET || undefined,
    webhookBackoffMs: positiveInt(env, 'SLOTFLOW_WEBHOOK_BACKOFF_MS', 500),
  };
}
