import { QueryTypes } from 'sequelize';
import { loadExamples, restamp } from '../test/support/beckn-examples.js';
import { startBecknHarness, type BecknHarness } from '../test/support/beckn-harness.js';
import { startFakeParticipant, type FakeParticipant, type ReceivedMessage } from '../test/support/fake-participant.js';
import { readEvents, type EventReader } from '../test/bap/rider-api.js';
import { sleep } from './bench-support.js';
import { backlogReader, pushHarnessTeardown, teardownStack, type Backlog } from './bench-target.js';
import type { PreparedPost } from './rider-load.js';

/** `applied`: on_search handled before the ACK (estimates written); `inbox`: no rider-side handler, callbacks are only queued. */
export type RiderMode = 'applied' | 'inbox';

export interface StartedSearch {
  searchId: string;
  transactionId: string;
}

/** One on_search the bench will post: which search it answers and from which BPP. */
export interface CallbackKey {
  searchId: string;
  transactionId: string;
  bppId: string;
}

export interface RiderTarget {
  mode: RiderMode;
  /** Our BAP's on_search endpoint. */
  callbackUrl: string;
  bodyLimitBytes: number;
  /** The fake BPPs the gateway forwards every search to. */
  bpps: FakeParticipant[];
  /** Starts `count` searches through the rider API, `parallel` at a time. */
  startSearches(count: number, parallel: number): Promise<StartedSearch[]>;
  /** Waits until every fake BPP has received the forwarded search of every one of `searches`. */
  forwarded(searches: StartedSearch[], timeoutMs: number): Promise<Map<string, Map<string, ReceivedMessage>>>;
  /** One on_search per search per fake BPP (a catalog of `items` items), signed with that BPP's key now. */
  callbacks(searches: StartedSearch[], forwarded: Map<string, Map<string, ReceivedMessage>>, items: number): { requests: PreparedPost[]; keys: CallbackKey[] };
  /** Waits until the inbox and outbox hold nothing pending; false when `timeoutMs` passes first. */
  settle(timeoutMs: number): Promise<boolean>;
  backlog(): Promise<Backlog>;
  /** Estimates stored for these searches from the fake BPPs. */
  estimatesOf(searchIds: string[]): Promise<number>;
  /** on_search inbox entries of these transactions, by status. */
  inboxOf(transactionIds: string[]): Promise<Record<string, number>>;
  /** The rider's event stream of one search. */
  events(searchId: string): EventReader;
  close(): Promise<void>;
}

const route = { pickup: { lat: 12.935, lon: 77.624 }, drop: { lat: 12.971, lon: 77.594 } };

const catalogExample = loadExamples().find((e) => e.action === 'on_search' && e.domain === 'ONDC:TRV10' && e.name.includes('X16'));

/** The example catalog with its first provider's items cloned (fresh ids) or cut to exactly `count`. */
function catalogBody(context: Record<string, unknown>, count: number) {
  if (!catalogExample) throw new Error('the ONDC:TRV10 on_search example (X16) is missing');
  const body = restamp(catalogExample, context);
  const provider = body.message.catalog.providers[0] as { items: { id: string }[] };
  const source = provider.items.slice();
  const items = [];
  for (let i = 0; i < count; i++) {
    const base = source[i % source.length];
    if (!base) throw new Error('the example catalog has no items');
    items.push(i < source.length ? base : { ...structuredClone(base), id: `${base.id}-${i + 1}` });
  }
  provider.items = items;
  return body;
}

/**
 * Our service on the full profile (real Postgres and Redis, no Kafka), booted
 * by the test harness with `bppCount` fake BPPs registered for the city, so
 * our gateway forwards every rider search to them. Our own BPP defers its
 * answer to search, so the only on_search our BAP receives is the bench's.
 * `inbox` boots the BAP without its rider-side callback handlers.
 */
export async function startRiderTarget(mode: RiderMode, bppCount: number): Promise<RiderTarget> {
  const teardown = teardownStack('bench rider');
  try {
    const bpps: FakeParticipant[] = [];
    for (let i = 0; i < bppCount; i++) {
      const bpp = await startFakeParticipant('BPP', `bench-cabs-${i + 1}`);
      bpps.push(bpp);
      teardown.push(() => bpp.close());
    }
    const net: BecknHarness = await startBecknHarness({
      env: { BECKN_RATE_LIMIT_PER_MINUTE: '10000000', DELIVERY_POLL_INTERVAL_MS: '250', BAP_SEARCH_TTL: 'PT10M' },
      extraParticipants: bpps,
      riderSide: mode === 'applied',
      beforeStart: (ctx) => {
        ctx.beckn.protocol.handlers.onRequest('search', async () => ({ deferred: true }));
      },
    });
    pushHarnessTeardown(teardown, net);
    const { ctx } = net.app;
    const base = net.app.baseUrl;
    const created = await fetch(`${base}/admin/riders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.config.secrets.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench Rider', mobile_number: `+9198${String(Date.now()).slice(-8)}` }),
    });
    const rider = (await created.json()) as { token?: string };
    if (created.status !== 201 || !rider.token) throw new Error(`could not create the bench rider: ${created.status} ${JSON.stringify(rider)}`);
    const token = rider.token;
    const sql = <T extends object>(query: string, bind: unknown[] = []) => ctx.sequelize.query<T>(query, { type: QueryTypes.SELECT, bind });
    const backlog = backlogReader(ctx.sequelize);

    return {
      mode,
      callbackUrl: `${net.ourBap.url}/on_search`,
      bodyLimitBytes: ctx.config.http.bodyLimitBytes,
      bpps,
      async startSearches(count, parallel) {
        const started: StartedSearch[] = [];
        let next = 0;
        const worker = async () => {
          while (next < count) {
            next += 1;
            const response = await fetch(`${base}/rider/searches`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify(route),
            });
            const answer = (await response.json()) as { searchId?: string; transactionId?: string };
            if (response.status !== 201 || !answer.searchId || !answer.transactionId) throw new Error(`POST /rider/searches answered ${response.status}: ${JSON.stringify(answer)}`);
            started.push({ searchId: answer.searchId, transactionId: answer.transactionId });
          }
        };
        await Promise.all(Array.from({ length: parallel }, worker));
        return started;
      },
      async forwarded(searches, timeoutMs) {
        const deadline = performance.now() + timeoutMs;
        for (;;) {
          const byTransaction = new Map<string, Map<string, ReceivedMessage>>();
          for (const bpp of bpps) {
            for (const message of bpp.received) {
              if (message.action !== 'search') continue;
              const id = String(message.body.context.transaction_id);
              const seen = byTransaction.get(id) ?? new Map<string, ReceivedMessage>();
              seen.set(bpp.subscriberId, message);
              byTransaction.set(id, seen);
            }
          }
          const missing = searches.filter((s) => (byTransaction.get(s.transactionId)?.size ?? 0) < bpps.length).length;
          if (missing === 0) return byTransaction;
          if (performance.now() > deadline) throw new Error(`${missing} of ${searches.length} searches did not reach every fake BPP in ${timeoutMs} ms`);
          await sleep(100);
        }
      },
      callbacks(searches, forwarded, items) {
        const requests: PreparedPost[] = [];
        const keys: CallbackKey[] = [];
        for (const search of searches) {
          for (const bpp of bpps) {
            const request = forwarded.get(search.transactionId)?.get(bpp.subscriberId);
            if (!request) throw new Error(`no forwarded search ${search.transactionId} at ${bpp.subscriberId}`);
            const body = catalogBody(
              { ...request.body.context, action: 'on_search', bpp_id: bpp.subscriberId, bpp_uri: bpp.url, timestamp: new Date().toISOString() },
              items,
            );
            const raw = JSON.stringify(body);
            requests.push({ raw, authorization: bpp.signer.sign(Buffer.from(raw, 'utf8')) });
            keys.push({ ...search, bppId: bpp.subscriberId });
          }
        }
        return { requests, keys };
      },
      async settle(timeoutMs) {
        const deadline = performance.now() + timeoutMs;
        for (;;) {
          const now = await backlog();
          if (now.inboxPending === 0 && now.outboxPending === 0) return true;
          if (performance.now() > deadline) return false;
          await sleep(100);
        }
      },
      backlog,
      async estimatesOf(searchIds) {
        const [row] = await sql<{ n: string }>(`SELECT count(*) AS n FROM atlas_app.estimate WHERE search_request_id = ANY($1::uuid[]) AND bpp_id = ANY($2::text[])`, [
          searchIds,
          bpps.map((b) => b.subscriberId),
        ]);
        return Number(row?.n ?? 0);
      },
      async inboxOf(transactionIds) {
        const rows = await sql<{ status: string; n: string }>(
          `SELECT status, count(*) AS n FROM beckn_protocol.inbox WHERE role = 'bap' AND action = 'on_search' AND transaction_id = ANY($1::text[]) GROUP BY status`,
          [transactionIds],
        );
        return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
      },
      events: (searchId) => readEvents(`${base}/rider/searches/${searchId}/events`, token),
      close: () => teardown.run(),
    };
  } catch (error) {
    await teardown.run().catch(() => undefined);
    throw error;
  }
}
