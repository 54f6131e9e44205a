// Prometheus metrics of one log. Each log gets its own registry (not prom-client's global one), so
// a process can hold several logs or apps, as the tests do.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the sequencer reports after each committed batch. */
export interface BatchObserver {
  /**
   * `size` entries were committed under one checkpoint; `seconds` is how long the batch's first
   * submission waited, from being queued to the commit.
   */
  recordBatch(size: number, seconds: number): void;
}

export interface LogMetrics extends BatchObserver {
  readonly registry: Registry;
  /** An error answer was sent, with this API error code. */
  recordRejection(code: string): void;
}

export interface LogMetricsOptions {
  /** The size of the latest checkpoint, read at each scrape. */
  treeSize: () => number;
}

export function createLogMetrics({ treeSize }: LogMetricsOptions): LogMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'attestry_log_entries',
    help: 'Entries in the log: the size of the latest checkpoint.',
    registers: [registry],
    collect() {
      this.set(treeSize());
    },
  });
  const batchSize = new Histogram({
    name: 'attestry_batch_size',
    help: 'Entries per committed batch.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  const batchLatency = new Histogram({
    name: 'attestry_batch_latency_seconds',
    help: 'Time from the first submission of a batch being queued to its commit.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const rejections = new Counter({
    name: 'attestry_rejections_total',
    help: 'Requests answered with an error, by error code.',
    labelNames: ['code'],
    registers: [registry],
  });
  return {
    registry,
    recordBatch(size, seconds) {
      batchSize.observe(size);
      batchLatency.observe(seconds);
    },
    recordRejection(code) {
      rejections.inc({ code });
    },
  };
}
