import {
  address, directory, duration, file, flag, fraction, keyPrefix, oneOf, positiveInteger, text, url, urlList, type ValueType,
} from './value-types.ts';

/**
 * Every setting of the product: the options type, its defaults written once,
 * and per setting its variable, type, whether it is secret and what it does.
 * `compileSettings` reads the environment through this table only; `slotflow
 * config` and `docs/settings.md` are made from it.
 */

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Settings {
  mysqlUrl: string;
  redisUrls: string[];
  queuePrefix: string;
  dataDir: string;
  httpAddr: string;
  apiToken: string | undefined;
  callbackSecret: string | undefined;
  ffmpegPath: string | undefined;
  ffprobePath: string | undefined;
  /** Where a system ffmpeg is looked for when `ffmpegPath` is unset. */
  searchPath: string | undefined;
  workerConcurrency: number;
  schedulerConcurrency: number;
  sweepIntervalMs: number;
  sweepIdleMs: number;
  jobLockMs: number;
  stalledIntervalMs: number;
  lockTtlMs: number;
  /** How long a MySQL connect or statement may take before it fails (retryable) and its connection is dropped. */
  mysqlTimeoutMs: number;
  /** Where each answer received and each write applied is appended as a JSON line (the chaos history checker reads it); unset: nothing is logged. */
  historyLog: string | undefined;
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
  /** Finished tasks keep their events and run rows this many days (src/runtime/retention.ts). */
  retainDays: number;
  logLevel: LogLevel;
  ttsBaseUrl: string | undefined;
  ttsApiKey: string | undefined;
  ttsModel: string;
  edgeTts: boolean;
  pexelsApiKey: string | undefined;
  pixabayApiKey: string | undefined;
  llmBaseUrl: string | undefined;
  llmApiKey: string | undefined;
  llmModel: string;
  /** An OpenAI-compatible embeddings API for reuse; unset: lexical vectors made here. */
  embeddingsBaseUrl: string | undefined;
  embeddingsApiKey: string | undefined;
  embeddingsModel: string;
  /** A request this similar to a completed one with the same output settings is answered with its video. */
  reuseSimilarity: number;
  /** A media folder with `manifest.json`; unset: the bundled `examples/media`. */
  mediaLibrary: string | undefined;
  /** Who makes images: `local` (made here) or `remote` (a hosted model speaking the prediction protocol). */
  imageProvider: CapabilityProvider;
  imageBaseUrl: string | undefined;
  imageApiKey: string | undefined;
  imageModel: string | undefined;
  /** Who makes video clips: `local` (made here) or `remote` (a hosted model speaking the prediction protocol). */
  videoProvider: CapabilityProvider;
  videoBaseUrl: string | undefined;
  videoApiKey: string | undefined;
  videoModel: string | undefined;
  /** Who makes lip sync: `local` (made here) or `remote` (a hosted model speaking the prediction protocol). */
  lipsyncProvider: CapabilityProvider;
  lipsyncBaseUrl: string | undefined;
  lipsyncApiKey: string | undefined;
  lipsyncModel: string | undefined;
}

/** Who makes a capability's pictures or clips: here, or a hosted model (src/product/capabilities/index.ts). */
export const CAPABILITY_PROVIDERS = ['local', 'remote'] as const;
export type CapabilityProvider = (typeof CAPABILITY_PROVIDERS)[number];

export type SettingKey = keyof Settings;

const DEFAULT_HTTP_ADDR = '127.0.0.1:8080';

export const DEFAULTS: Readonly<Settings> = {
  mysqlUrl: 'mysql://root@127.0.0.1:3306/slotflow',
  redisUrls: ['redis://127.0.0.1:6379'],
  queuePrefix: '{slotflow}',
  dataDir: './data',
  httpAddr: DEFAULT_HTTP_ADDR,
  apiToken: undefined,
  callbackSecret: undefined,
  ffmpegPath: undefined,
  ffprobePath: undefined,
  searchPath: undefined,
  workerConcurrency: 8,
  schedulerConcurrency: 8,
  sweepIntervalMs: 5000,
  sweepIdleMs: 10000,
  jobLockMs: 30000,
  stalledIntervalMs: 15000,
  lockTtlMs: 5000,
  mysqlTimeoutMs: 10000,
  historyLog: undefined,
  // Follows SLOTFLOW_HTTP_ADDR when only that is set (see compileSettings).
  publicUrl: `http://${DEFAULT_HTTP_ADDR}`,
  servicesUrl: undefined,
  fanOutMax: 100,
  callbackTimeoutMs: 15 * 60 * 1000,
  tokenGraceMs: 60 * 1000,
  flowsDir: undefined,
  webhookSecret: undefined,
  webhookBackoffMs: 500,
  retainDays: 30,
  logLevel: 'info',
  ttsBaseUrl: undefined,
  ttsApiKey: undefined,
  ttsModel: 'tts-1',
  edgeTts: false,
  pexelsApiKey: undefined,
  pixabayApiKey: undefined,
  llmBaseUrl: undefined,
  llmApiKey: undefined,
  llmModel: 'gpt-4o-mini',
  embeddingsBaseUrl: undefined,
  embeddingsApiKey: undefined,
  embeddingsModel: 'text-embedding-3-small',
  reuseSimilarity: 0.98,
  mediaLibrary: undefined,
  imageProvider: 'local',
  imageBaseUrl: undefined,
  imageApiKey: undefined,
  imageModel: undefined,
  videoProvider: 'local',
  videoBaseUrl: undefined,
  videoApiKey: undefined,
  videoModel: undefined,
  lipsyncProvider: 'local',
  lipsyncBaseUrl: undefined,
  lipsyncApiKey: undefined,
  lipsyncModel: undefined,
};

export interface SettingSpec<T> {
  variable: string;
  type: ValueType<T>;
  /** Masked wherever the value is shown; never echoed in an error. */
  secret: boolean;
  description: string;
  /** What unset means, for a setting without a default value. */
  unset?: string;
}

type SettingsTable = { readonly [K in SettingKey]: SettingSpec<NonNullable<Settings[K]>> };

const HTTP = ['http:', 'https:'] as const;

export const SETTINGS: SettingsTable = {
  mysqlUrl: {
    variable: 'SLOTFLOW_MYSQL_URL', type: url(['mysql:']), secret: false,
    description: 'the MySQL (MariaDB) database that holds every task and its slot word',
  },
  redisUrls: {
    variable: 'SLOTFLOW_REDIS_URL', type: urlList(['redis:', 'rediss:']), secret: false,
    description: 'Redis for the job queues and locks; several servers give Redlock independent votes (the first also carries the queues)',
  },
  queuePrefix: {
    variable: 'SLOTFLOW_QUEUE_PREFIX', type: keyPrefix, secret: false,
    description: 'prefix of every Redis key, so several deployments can share one Redis',
  },
  dataDir: {
    variable: 'SLOTFLOW_DATA_DIR', type: directory, secret: false,
    description: 'where assets, caches and finished videos are stored',
  },
  httpAddr: {
    variable: 'SLOTFLOW_HTTP_ADDR', type: address, secret: false,
    description: 'address the HTTP API and the editors\' page listen on',
  },
  apiToken: {
    variable: 'SLOTFLOW_API_TOKEN', type: text, secret: true,
    description: 'bearer token every /v1 route requires',
    unset: 'no auth; allowed on a loopback address only',
  },
  callbackSecret: {
    variable: 'SLOTFLOW_CALLBACK_SECRET', type: text, secret: true,
    description: 'signs the callback tokens handed to external components',
    unset: 'generated and stored in MySQL on first start',
  },
  ffmpegPath: {
    variable: 'FFMPEG_PATH', type: file, secret: false,
    description: 'the ffmpeg binary',
    unset: 'a system ffmpeg on PATH newer than the packaged one with libx264, AAC and libass, else ffmpeg-static when installed, else @ffmpeg-installer/ffmpeg',
  },
  ffprobePath: {
    variable: 'FFPROBE_PATH', type: file, secret: false,
    description: 'the ffprobe binary',
    unset: 'the ffprobe beside FFMPEG_PATH or the system ffmpeg, else @ffprobe-installer/ffprobe',
  },
  searchPath: {
    variable: 'PATH', type: text, secret: false,
    description: 'the directories where a system ffmpeg is looked for when FFMPEG_PATH is unset',
    unset: 'no system ffmpeg is considered',
  },
  workerConcurrency: {
    variable: 'SLOTFLOW_WORKER_CONCURRENCY', type: positiveInteger, secret: false,
    description: 'jobs a worker runs at once per handler (`worker --concurrency` overrides it)',
  },
  schedulerConcurrency: {
    variable: 'SLOTFLOW_SCHEDULER_CONCURRENCY', type: positiveInteger, secret: false,
    description: 'scheduling passes and internal jobs the scheduler runs at once',
  },
  sweepIntervalMs: {
    variable: 'SLOTFLOW_SWEEP_INTERVAL_MS', type: duration, secret: false,
    description: 'how often the sweeper looks for tasks that stopped moving',
  },
  sweepIdleMs: {
    variable: 'SLOTFLOW_SWEEP_IDLE_MS', type: duration, secret: false,
    description: 'how long a task may go without a change before the sweeper schedules it again',
  },
  jobLockMs: {
    variable: 'SLOTFLOW_JOB_LOCK_MS', type: duration, secret: false,
    description: 'BullMQ job lock: a worker silent this long loses its job to another',
  },
  stalledIntervalMs: {
    variable: 'SLOTFLOW_STALLED_INTERVAL_MS', type: duration, secret: false,
    description: 'how often BullMQ checks for stalled jobs',
  },
  lockTtlMs: {
    variable: 'SLOTFLOW_LOCK_TTL_MS', type: duration, secret: false,
    description: 'time to live of the Redlock lock held on a task while its word changes',
  },
  mysqlTimeoutMs: {
    variable: 'SLOTFLOW_MYSQL_TIMEOUT_MS', type: duration, secret: false,
    description: 'how long a MySQL connect or statement may take: longer, it fails as retryable and its connection is dropped (an unreachable database is an error, not a hang)',
  },
  historyLog: {
    variable: 'SLOTFLOW_HISTORY_LOG', type: file, secret: false,
    description: 'a file this process appends one JSON line to for each answer it hands the engine, each answer refused and each task write applied (task, components, attempts, word before and after), for the chaos history checker',
    unset: 'no history is kept',
  },
  publicUrl: {
    variable: 'SLOTFLOW_PUBLIC_URL', type: url(HTTP), secret: false,
    description: 'our base URL as external services reach it (callback URLs); default http:// plus SLOTFLOW_HTTP_ADDR',
  },
  servicesUrl: {
    variable: 'SLOTFLOW_SERVICES_URL', type: url(HTTP), secret: false,
    description: 'base for relative `params.url` of callback components',
    unset: 'callback components need an absolute `params.url`',
  },
  fanOutMax: {
    variable: 'SLOTFLOW_FANOUT_MAX', type: positiveInteger, secret: false,
    description: 'most child tasks one fan-out may create',
  },
  callbackTimeoutMs: {
    variable: 'SLOTFLOW_CALLBACK_TIMEOUT_MS', type: duration, secret: false,
    description: 'deadline of a callback component\'s attempt when the flow gives no timeout_ms',
  },
  tokenGraceMs: {
    variable: 'SLOTFLOW_TOKEN_GRACE_MS', type: duration, secret: false,
    description: 'a callback token stays valid this long past its attempt\'s deadline',
  },
  flowsDir: {
    variable: 'SLOTFLOW_FLOWS_DIR', type: directory, secret: false,
    description: 'searched first for flows named by --flow and fan_out.flow',
    unset: 'the working directory\'s flows/, then the bundled flows',
  },
  webhookSecret: {
    variable: 'SLOTFLOW_WEBHOOK_SECRET', type: text, secret: true,
    description: 'signs the bodies of task webhooks (callback_url)',
    unset: 'generated and stored in MySQL on first start',
  },
  webhookBackoffMs: {
    variable: 'SLOTFLOW_WEBHOOK_BACKOFF_MS', type: duration, secret: false,
    description: 'delay before the first retry of a failed webhook; doubles each time',
  },
  retainDays: {
    variable: 'SLOTFLOW_RETAIN_DAYS', type: positiveInteger, secret: false,
    description: "days a finished task keeps its events and run rows; the scheduler and `slotflow gc` then delete them (the task row stays)",
  },
  logLevel: {
    variable: 'SLOTFLOW_LOG_LEVEL', type: oneOf(LOG_LEVELS), secret: false,
    description: 'the least severe log level written (JSON lines on stderr); silent for none',
  },
  ttsBaseUrl: {
    variable: 'SLOTFLOW_TTS_BASE_URL', type: url(HTTP), secret: false,
    description: 'an OpenAI-compatible speech API, tried before the local voices',
    unset: 'local voices only (Festival, Flite, espeak-ng, meSpeak)',
  },
  ttsApiKey: {
    variable: 'SLOTFLOW_TTS_API_KEY', type: text, secret: true,
    description: 'API key of SLOTFLOW_TTS_BASE_URL',
    unset: 'requests carry no key',
  },
  ttsModel: {
    variable: 'SLOTFLOW_TTS_MODEL', type: text, secret: false,
    description: 'speech model asked of SLOTFLOW_TTS_BASE_URL',
  },
  edgeTts: {
    variable: 'SLOTFLOW_EDGE_TTS', type: flag, secret: false,
    description: 'use the Microsoft Edge read-aloud voices (online)',
  },
  pexelsApiKey: {
    variable: 'SLOTFLOW_PEXELS_API_KEY', type: text, secret: true,
    description: 'searches Pexels for stock video',
    unset: 'no Pexels search',
  },
  pixabayApiKey: {
    variable: 'SLOTFLOW_PIXABAY_API_KEY', type: text, secret: true,
    description: 'searches Pixabay for stock video',
    unset: 'no Pixabay search',
  },
  llmBaseUrl: {
    variable: 'SLOTFLOW_LLM_BASE_URL', type: url(HTTP), secret: false,
    description: 'an OpenAI-compatible chat API (hosted, or a local llama.cpp or Ollama server) that rewrites an article\'s script and plans a prompt\'s scenes',
    unset: 'the article\'s own sentences are the script; the template planner writes a prompt\'s scenes',
  },
  llmApiKey: {
    variable: 'SLOTFLOW_LLM_API_KEY', type: text, secret: true,
    description: 'API key of SLOTFLOW_LLM_BASE_URL',
    unset: 'requests carry no key',
  },
  llmModel: {
    variable: 'SLOTFLOW_LLM_MODEL', type: text, secret: false,
    description: 'chat model asked of SLOTFLOW_LLM_BASE_URL',
  },
  embeddingsBaseUrl: {
    variable: 'SLOTFLOW_EMBEDDINGS_BASE_URL', type: url(HTTP), secret: false,
    description: 'an OpenAI-compatible embeddings API (`/embeddings` under it) whose vectors find earlier requests to reuse',
    unset: 'lexical vectors (lemmas without stop words) made here',
  },
  embeddingsApiKey: {
    variable: 'SLOTFLOW_EMBEDDINGS_API_KEY', type: text, secret: true,
    description: 'API key of SLOTFLOW_EMBEDDINGS_BASE_URL',
    unset: 'requests carry no key',
  },
  embeddingsModel: {
    variable: 'SLOTFLOW_EMBEDDINGS_MODEL', type: text, secret: false,
    description: 'embedding model asked of SLOTFLOW_EMBEDDINGS_BASE_URL',
  },
  reuseSimilarity: {
    variable: 'SLOTFLOW_REUSE_SIMILARITY', type: fraction, secret: false,
    description: 'how similar (cosine) a request must be to a completed one with the same output settings to be answered with its video',
  },
  mediaLibrary: {
    variable: 'SLOTFLOW_MEDIA_LIBRARY', type: directory, secret: false,
    description: 'a media folder with manifest.json, searched for scene material',
    unset: 'the bundled examples/media',
  },
  imageProvider: {
    variable: 'SLOTFLOW_IMAGE_PROVIDER', type: oneOf(CAPABILITY_PROVIDERS), secret: false,
    description: 'who makes images (product scenes, backdrops): local (made here, offline) or remote (a hosted model behind SLOTFLOW_IMAGE_BASE_URL, prediction protocol)',
  },
  imageBaseUrl: {
    variable: 'SLOTFLOW_IMAGE_BASE_URL', type: url(HTTP), secret: false,
    description: 'base URL of the hosted model service when SLOTFLOW_IMAGE_PROVIDER is remote (`/v1/predictions` under it)',
    unset: 'SLOTFLOW_IMAGE_PROVIDER=remote is refused',
  },
  imageApiKey: {
    variable: 'SLOTFLOW_IMAGE_API_KEY', type: text, secret: true,
    description: 'API key of SLOTFLOW_IMAGE_BASE_URL, sent as a bearer token',
    unset: 'requests carry no key',
  },
  imageModel: {
    variable: 'SLOTFLOW_IMAGE_MODEL', type: text, secret: false,
    description: 'model asked of SLOTFLOW_IMAGE_BASE_URL (`model` of each prediction)',
    unset: 'no `model` is sent: the service\'s default',
  },
  videoProvider: {
    variable: 'SLOTFLOW_VIDEO_PROVIDER', type: oneOf(CAPABILITY_PROVIDERS), secret: false,
    description: 'who makes video clips: local (made here, offline) or remote (a hosted model behind SLOTFLOW_VIDEO_BASE_URL, prediction protocol)',
  },
  videoBaseUrl: {
    variable: 'SLOTFLOW_VIDEO_BASE_URL', type: url(HTTP), secret: false,
    description: 'base URL of the hosted model service when SLOTFLOW_VIDEO_PROVIDER is remote (`/v1/predictions` under it)',
    unset: 'SLOTFLOW_VIDEO_PROVIDER=remote is refused',
  },
  videoApiKey: {
    variable: 'SLOTFLOW_VIDEO_API_KEY', type: text, secret: true,
    description: 'API key of SLOTFLOW_VIDEO_BASE_URL, sent as a bearer token',
    unset: 'requests carry no key',
  },
  videoModel: {
    variable: 'SLOTFLOW_VIDEO_MODEL', type: text, secret: false,
    description: 'model asked of SLOTFLOW_VIDEO_BASE_URL (`model` of each prediction)',
    unset: 'no `model` is sent: the service\'s default',
  },
  lipsyncProvider: {
    variable: 'SLOTFLOW_LIPSYNC_PROVIDER', type: oneOf(CAPABILITY_PROVIDERS), secret: false,
    description: 'who makes lip sync (a presenter photo and speech to a talking clip): local (made here, offline) or remote (a hosted model behind SLOTFLOW_LIPSYNC_BASE_URL, prediction protocol)',
  },
  lipsyncBaseUrl: {
    variable: 'SLOTFLOW_LIPSYNC_BASE_URL', type: url(HTTP), secret: false,
    description: 'base URL of the hosted model service when SLOTFLOW_LIPSYNC_PROVIDER is remote (`/v1/predictions` under it)',
    unset: 'SLOTFLOW_LIPSYNC_PROVIDER=remote is refused',
  },
  lipsyncApiKey: {
    variable: 'SLOTFLOW_LIPSYNC_API_KEY', type: text, secret: true,
    description: 'API key of SLOTFLOW_LIPSYNC_BASE_URL, sent as a bearer token',
    unset: 'requests carry no key',
  },
  lipsyncModel: {
    variable: 'SLOTFLOW_LIPSYNC_MODEL', type: text, secret: false,
    description: 'model asked of SLOTFLOW_LIPSYNC_BASE_URL (`model` of each prediction)',
    unset: 'no `model` is sent: the service\'s default',
  },
};
