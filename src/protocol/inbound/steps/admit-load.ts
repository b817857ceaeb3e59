import { NackError } from '../../errors/index.js';
import type { InboxLoad, InboxLoadGauge } from '../inbox-load.js';
import { parseIsoDuration } from '../iso-duration.js';
import { CORE_DEFAULT_TTL } from './check-context.js';
import { namedStep, type Step } from './step.js';

export interface AdmissionBounds {
  /** Pending inbox entries beyond which requests are refused. */
  maxPending: number;
  /** The share of a request's ttl the oldest waiting entry may have waited before requests are refused. */
  waitTtlFraction: number;
}

const MAX_RETRY_AFTER_SECONDS = 60;
/** An overload episode ends once the load is back under this share of the bound that refused (so a load hovering at a bound logs once). */
const CALM_SHARE = 0.9;

function ttlOf(ttl: string | undefined, defaultTtl: string | undefined): number {
  const own = parseIsoDuration(ttl ?? '');
  if (own !== null && own > 0) return own;
  return parseIsoDuration(defaultTtl ?? CORE_DEFAULT_TTL) ?? 30_000;
}

/**
 * Seconds until the backlog is back within its bounds, if nothing more came
 * in. Over the wait bound: the excess wait, the backlog being worked in due
 * order. Over the pending bound: by Little's law the inbox works off about
 * `pending / oldestWait` entries a second, so the excess entries take their
 * share of the oldest wait. At least 1 s, at most a minute.
 */
export function retryAfterSeconds(load: InboxLoad, maxPending: number, waitBoundMs: number): number {
  const excessWaitMs = load.oldestWaitMs - waitBoundMs;
  const excessPendingMs = load.pending > maxPending ? ((load.pending - maxPending) / load.pending) * load.oldestWaitMs : 0;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(Math.max(excessWaitMs, excessPendingMs) / 1000)));
}

/**
 * Admission against the inbox's load, for requests (never callbacks: an
 * on_* answers work we asked for, and refusing it only makes our own request
 * miss its ttl). Never ACK what cannot be answered in time: while the inbox
 * holds more than `maxPending` entries, or its oldest entry waiting for a
 * handler has waited longer than `waitTtlFraction` of this request's ttl
 * (`context.ttl`, else the default ttl), the request is refused with the
 * retryable 503 and a `Retry-After` estimated from the backlog. It runs
 * after the signature and signer checks, so a refusal is recorded with its
 * sender, and before the schema check, the duplicate claim and the inbox
 * insert, so a refused request costs little and leaves nothing behind. The
 * gauge is read from memory; an unknown load (no sample yet, sampling
 * failing) admits. One warning per overload episode, however many refusals.
 */
export function admitLoad(gauge: InboxLoadGauge, role: 'bpp', bounds: AdmissionBounds): Step {
  let episode: { startedAt: number; refused: number; waitBoundMs: number } | null = null;

  return namedStep('admitLoad', (message, deps) => {
    const load = gauge.read(role);
    if (!load) return;
    const waitBoundMs = bounds.waitTtlFraction * ttlOf(message.context?.ttl, deps.settings.defaultTtl);
    const reason = load.pending > bounds.maxPending ? 'pending' : load.oldestWaitMs > waitBoundMs ? 'wait' : null;
    const now = deps.clock().getTime();

    if (reason === null) {
      if (episode && load.pending <= CALM_SHARE * bounds.maxPending && load.oldestWaitMs <= CALM_SHARE * episode.waitBoundMs) {
        deps.logger.info({ role, refused: episode.refused, seconds: (now - episode.startedAt) / 1000, pending: load.pending }, 'inbox load back within its bounds: requests are accepted again');
        episode = null;
      }
      return;
    }

    const retryAfter = retryAfterSeconds(load, bounds.maxPending, waitBoundMs);
    deps.metrics.backpressureRefusals.inc({ role, reason });
    if (episode) {
      episode.refused += 1;
      episode.waitBoundMs = Math.min(episode.waitBoundMs, waitBoundMs);
    } else {
      episode = { startedAt: now, refused: 1, waitBoundMs };
      deps.logger.warn(
        { role, reason, pending: load.pending, maxPending: bounds.maxPending, oldestWaitMs: Math.round(load.oldestWaitMs), waitBoundMs, retryAfter },
        'inbox overloaded: new requests are refused (503, Retry-After) until it drains',
      );
    }
    throw new NackError('OVERLOADED', `too much work is waiting to be answered within this request's ttl; retry in ${retryAfter} s`, undefined, retryAfter);
  });
}
