import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of this process (`GET /metrics`). Counters and
 * histograms are observed where the work happens; gauges that describe the
 * whole deployment (tasks by status, queue depths) are read from MySQL and
 * Redis when scraped.
 */

export const registry = new Registry();
// Its own names start with process_ or nodejs_ already: slotflow_process_cpu_seconds_total, not slotflow_process_process_….
collectDefaultMetrics({ register: registry, prefix: 'slotflow_' });

export const metrics = {
  tasks: new Gauge({ name: 'slotflow_tasks', help: 'Tasks by phase and status', labelNames: ['phase', 'status'], registers: [registry] }),
  queueDepth: new Gauge({ name: 'slotflow_queue_jobs', help: 'Jobs in each queue by queue family and state', labelNames: ['queue', 'family', 'state'], registers: [registry] }),
  componentDuration: new Histogram({
    name: 'slotflow_component_run_seconds',
    help: 'Time a component attempt took to run, by flow, component and outcome',
    labelNames: ['flow', 'component', 'outcome'],
    buckets: [0.005, 0.02, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600],
    registers: [registry],
  }),
  dispatchLatency: new Histogram({
    name: 'slotflow_dispatch_latency_seconds',
    help: 'From the commit that made a component runnable to its job starting on a worker',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  }),
  answersRejected: new Counter({
    name: 'slotflow_answers_rejected_total',
    help: 'Component answers and callbacks refused, by reason (duplicate, stale-attempt, cancelled, invalid-signature, expired-token, ...)',
    labelNames: ['reason'],
    registers: [registry],
  }),
  webhookDeliveries: new Counter({
    name: 'slotflow_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  }),
  tasksReused: new Counter({ name: 'slotflow_tasks_reused_total', help: 'Tasks answered with an earlier task\'s video (near-duplicate reuse)', registers: [registry] }),
  cacheHits: new Counter({ name: 'slotflow_component_cache_hits_total', help: 'Component runs answered from the result cache', registers: [registry] }),
};
