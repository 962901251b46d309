import { bigint, boolean, char, datetime, double, index, int, json, mediumtext, mysqlTable, primaryKey, smallint, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';

/**
 * The MySQL schema (MySQL 8 and MariaDB 10.11). Migrations in `drizzle/` are
 * generated from this file by drizzle-kit and applied by `slotflow migrate`.
 * The slot word and in-flight set are BIGINT UNSIGNED read as `bigint`, never
 * a JS number.
 */

const word = (name: string) => bigint(name, { mode: 'bigint', unsigned: true });
const at = (name: string) => datetime(name, { mode: 'date', fsp: 3 });

export const flowVersions = mysqlTable('flow_versions', {
  hash: char('hash', { length: 64 }).primaryKey(),
  name: varchar('name', { length: 64 }).notNull(),
  version: int('version').notNull(),
  content: json('content').notNull(),
  createdAt: at('created_at').notNull(),
});

export const tasks = mysqlTable(
  'tasks',
  {
    id: char('id', { length: 36 }).primaryKey(),
    parentId: char('parent_id', { length: 36 }),
    parentComponent: varchar('parent_component', { length: 64 }),
    parentAttempt: smallint('parent_attempt', { unsigned: true }),
    sceneIndex: int('scene_index'),
    /** A scene child's take: 1 is the fan-out's own, each regeneration adds one. */
    take: smallint('take', { unsigned: true }).notNull().default(1),
    /** Whether this take is the one its scene's video uses; exactly one take per scene is chosen. */
    chosen: boolean('chosen').notNull().default(true),
    flowName: varchar('flow_name', { length: 64 }).notNull(),
    flowHash: char('flow_hash', { length: 64 }).notNull(),
    slotWord: word('slot_word').notNull(),
    inFlight: word('in_flight').notNull(),
    version: int('version', { unsigned: true }).notNull(),
    attempts: json('attempts').notNull(),
    phase: varchar('phase', { length: 16 }).notNull(),
    status: varchar('status', { length: 64 }).notNull(),
    input: json('input').notNull(),
    idempotencyKey: varchar('idempotency_key', { length: 255 }),
    /** From the article, the prompt, or given at submit; null for fan-out children. */
    title: varchar('title', { length: 200 }),
    callbackUrl: varchar('callback_url', { length: 2048 }),
    /** The earlier task whose video answered this one (near-duplicate reuse); null when the task ran. */
    reusedFrom: char('reused_from', { length: 36 }),
    error: json('error'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('tasks_idempotency_key').on(t.idempotencyKey),
    index('tasks_phase_updated').on(t.phase, t.updatedAt),
    index('tasks_status_created').on(t.status, t.createdAt),
    index('tasks_created').on(t.createdAt),
    index('tasks_parent').on(t.parentId),
    uniqueIndex('tasks_child').on(t.parentId, t.parentComponent, t.parentAttempt, t.sceneIndex, t.take),
  ],
);

export const componentRuns = mysqlTable(
  'component_runs',
  {
    taskId: char('task_id', { length: 36 }).notNull(),
    component: varchar('component', { length: 64 }).notNull(),
    attempt: smallint('attempt', { unsigned: true }).notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    executions: smallint('executions', { unsigned: true }).notNull(),
    /** The output was reused from an earlier run with the same inputs; nothing was executed. */
    cached: boolean('cached').notNull().default(false),
    worker: varchar('worker', { length: 255 }),
    output: json('output'),
    error: json('error'),
    queuedAt: at('queued_at').notNull(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.component, t.attempt] })],
);

/**
 * The outbox: one row per write of a task (and per creation) holding that write's lifecycle events in order
 * (src/core/ports/event-rows.ts: how each event gets its id, how many a row holds).
 */
export const events = mysqlTable(
  'events',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    taskId: char('task_id', { length: 36 }).notNull(),
    /** The events, a JSON array of `EventItem`. */
    items: json('items').notNull(),
    /** How many `items` holds. */
    eventCount: smallint('event_count', { unsigned: true }).notNull(),
    /** Written before events were packed (migration 0010): one event, whose id is the row id. */
    legacy: boolean('legacy').notNull().default(false),
    createdAt: at('created_at').notNull(),
    /**
     * The row has something to post: its task has a callback_url. Set when the row is written, so the outbox's claim
     * reads only such rows (events_outbox) instead of every undelivered row of every task.
     */
    deliver: boolean('deliver').notNull().default(false),
    /** Webhook delivery to the task's callback_url: how many of the row's events are done (delivered, or given up). */
    deliveredCount: smallint('delivered_count', { unsigned: true }).notNull().default(0),
    /** Set when every event of the row is done. */
    deliveredAt: at('delivered_at'),
    /** Attempts at the row's first event not done yet. */
    deliveryAttempts: smallint('delivery_attempts', { unsigned: true }).notNull().default(0),
    /** Not before this time; also the lease of a delivery in progress. */
    nextDeliveryAt: at('next_delivery_at'),
    /** The token of the dispatcher that leased this delivery last: how its claim finds the rows it took. */
    leaseOwner: char('lease_owner', { length: 36 }),
  },
  (t) => [index('events_task').on(t.taskId, t.id), index('events_outbox').on(t.deliver, t.deliveredAt, t.id),
    index('events_lease').on(t.leaseOwner)],
);

/** Every webhook delivery attempt, with what the receiver answered. */
export const webhookAttempts = mysqlTable(
  'webhook_attempts',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    eventId: bigint('event_id', { mode: 'number', unsigned: true }).notNull(),
    taskId: char('task_id', { length: 36 }).notNull(),
    attempt: smallint('attempt', { unsigned: true }).notNull(),
    url: varchar('url', { length: 2048 }).notNull(),
    statusCode: int('status_code'),
    error: varchar('error', { length: 1024 }),
    ok: boolean('ok').notNull(),
    createdAt: at('created_at').notNull(),
  },
  // By task too: retention deletes a finished task's attempts.
  (t) => [index('webhook_attempts_event').on(t.eventId), index('webhook_attempts_task').on(t.taskId)],
);

export const answerRejections = mysqlTable(
  'answer_rejections',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    taskId: char('task_id', { length: 36 }).notNull(),
    component: varchar('component', { length: 64 }).notNull(),
    attempt: smallint('attempt', { unsigned: true }).notNull(),
    reason: varchar('reason', { length: 32 }).notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('answer_rejections_task').on(t.taskId)],
);

/** Values generated once per deployment and shared by every process (the callback signing secret). */
export const secrets = mysqlTable('secrets', {
  name: varchar('name', { length: 64 }).primaryKey(),
  value: varchar('value', { length: 255 }).notNull(),
  createdAt: at('created_at').notNull(),
});

/** Files in the content-addressed asset store, by the task (and scene) that made or reused them. */
export const assets = mysqlTable(
  'assets',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    taskId: char('task_id', { length: 36 }).notNull(),
    component: varchar('component', { length: 64 }).notNull(),
    scene: int('scene'),
    kind: varchar('kind', { length: 32 }).notNull(),
    provider: varchar('provider', { length: 64 }).notNull(),
    hash: char('hash', { length: 64 }).notNull(),
    path: varchar('path', { length: 1024 }).notNull(),
    bytes: bigint('bytes', { mode: 'number', unsigned: true }).notNull(),
    latencyMs: int('latency_ms').notNull(),
    /** US dollars, where the provider reports what the file cost; null otherwise. */
    costUsd: double('cost_usd'),
    reused: boolean('reused').notNull(),
    /** The asset graph: `sha256:<hash>` of the assets it was made from, or `snapshot:<field>`; null outside product work. */
    inputs: json('inputs'),
    /** The stage that made it (the handler's name for it, else the component's). */
    stage: varchar('stage', { length: 64 }),
    /** What a check scored it (fidelity). */
    scores: json('scores'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('assets_task').on(t.taskId), index('assets_hash').on(t.hash)],
);

/**
 * Job snapshots (product creative): each request as validated, written once and never updated, so a product or
 * an output runs only from what was asked. `subject` is the product or output (task) id it made or retried.
 */
export const snapshots = mysqlTable(
  'snapshots',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    contract: varchar('contract', { length: 64 }).notNull(),
    subject: char('subject', { length: 36 }).notNull(),
    /** The product an output's snapshots belong to; null for a product's own. */
    parent: char('parent', { length: 36 }),
    body: json('body').notNull(),
    sha256: char('sha256', { length: 64 }).notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('snapshots_subject').on(t.subject, t.id), index('snapshots_parent').on(t.parent, t.id)],
);

/**
 * The requests of completed tasks as vectors, for near-duplicate reuse (src/runtime/reuse/request-reuse.ts):
 * found by settings hash, embedder and bucket (the lexical embedder's bucket is its set of terms), newest first.
 * The vector is JSON: `{ "kind": "sparse", "terms": { term: weight } }` or `{ "kind": "dense", "values": [...] }`.
 */
export const requestVectors = mysqlTable(
  'request_vectors',
  {
    taskId: char('task_id', { length: 36 }).primaryKey(),
    settingsHash: char('settings_hash', { length: 64 }).notNull(),
    embedder: varchar('embedder', { length: 128 }).notNull(),
    bucket: varchar('bucket', { length: 64 }).notNull(),
    vector: mediumtext('vector').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('request_vectors_lookup').on(t.settingsHash, t.embedder, t.bucket, t.createdAt)],
);
