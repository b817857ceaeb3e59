/**
 * Scheduler port: durable delayed jobs with at-least-once delivery.
 *
 * A job is claimed with a lease; a worker that crashes (or hangs past the
 * lease) loses it and another worker runs it again. A handler that throws is
 * retried with exponential backoff until `maxAttempts`, then dead-lettered.
 * Handlers must therefore be idempotent.
 */
export interface JobInput {
  /** Handler name registered with `register`. */
  type: string;
  payload: unknown;
  /** When to run (epoch ms); defaults to now. */
  runAt?: number;
  /** Optional id; scheduling an id that is already pending is a no-op (returns false). */
  id?: string;
  maxAttempts?: number;
}

export interface JobContext {
  id: string;
  type: string;
  payload: unknown;
  /** 1 for the first run. */
  attempt: number;
  scheduledFor: number;
}

export type JobHandler = (job: JobContext) => Promise<void>;

export interface DeadJob {
  id: string;
  type: string;
  payload: unknown;
  attempts: number;
  lastError: string;
  failedAt: number;
}

export interface SchedulerStats {
  /** Jobs waiting (due or not). */
  pending: number;
  /** Jobs claimed by a worker right now. */
  running: number;
  dead: number;
}

export interface Scheduler {
  schedule(job: JobInput): Promise<{ id: string; created: boolean }>;
  /** Cancels a pending job; true when it was pending. */
  cancel(id: string): Promise<boolean>;
  register(type: string, handler: JobHandler): void;
  /** Starts polling for due jobs. */
  start(): void;
  /** Stops claiming new jobs and waits for running handlers (bounded by `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
  stats(): Promise<SchedulerStats>;
  deadJobs(limit?: number): Promise<DeadJob[]>;
}

export interface SchedulerOptions {
  /** How often a worker looks for due jobs. */
  pollIntervalMs: number;
  /** How long a claimed job stays with its worker before another may take it. */
  leaseMs: number;
  /** Max jobs one worker runs at once. */
  concurrency: number;
  defaultMaxAttempts: number;
  /** Backoff for retry n (1-based): min(maxBackoffMs, baseBackoffMs * 2^(n-1)). */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Called with (now - scheduledFor) in seconds when a job is claimed. */
  observeLag?: (seconds: number) => void;
}
