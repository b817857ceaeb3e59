import { randomUUID } from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { CorrelationStore } from '../../infra/correlation/index.js';
import { recordSentRequest } from '../correlation/index.js';
import type { CallbackReply } from '../handlers.js';
import { cityOf, type BecknContext } from '../inbound/beckn-context.js';
import { parseIsoDuration } from '../inbound/iso-duration.js';
import type { Outbox } from './outbox.js';
import type { RegistryClient } from '../registry-client/index.js';
import type { BecknAction, BecknValidator } from '../schemas/index.js';
import { orderMessageInDomain } from '../vocabulary/index.js';

export interface Identity {
  subscriberId: string;
  subscriberUrl: string;
}

export interface SenderDeps {
  outbox: Outbox;
  validator: BecknValidator;
  correlation: CorrelationStore;
  registry: RegistryClient;
  identities: { bap: Identity; bpp: Identity };
  clock: () => Date;
  defaultTtl: string;
  transactionRetentionMs: number;
  /** Wakes the delivery worker once queued messages are committed. */
  wake: () => void;
}

export interface RequestInput {
  action: Exclude<BecknAction, `on_${string}`>;
  /** domain, location, version are required; transaction_id, bpp_id/bpp_uri and ttl are optional. */
  context: Pick<BecknContext, 'domain' | 'location' | 'version'> & Partial<Pick<BecknContext, 'transaction_id' | 'bpp_id' | 'bpp_uri' | 'ttl'>>;
  message: unknown;
  /** A subscriber URL to send to instead of bpp_uri or the gateway (a search sent straight to a known BPP). */
  targetUrl?: string;
}

export interface CallbackInput {
  action: `on_${string}` & BecknAction;
  /** The context of the request being answered (solicited), or of the transaction (unsolicited). */
  context: BecknContext;
  reply: CallbackReply;
  /** Unsolicited callbacks (a driver arrived) carry a fresh message_id in the same transaction. */
  unsolicited?: boolean;
}

/** A message we emit that fails our own schema is a bug in beckn-ride, never something to send. */
export class OutgoingSchemaError extends Error {
  constructor(action: string, detail: string) {
    super(`outgoing ${action} fails its schema: ${detail}`);
    this.name = 'OutgoingSchemaError';
  }
}

function encode(deps: SenderDeps, action: BecknAction, body: object): Buffer {
  const issues = deps.validator.validate(action, body);
  if (issues.length > 0) throw new OutgoingSchemaError(action, issues.map((i) => `${i.path} ${i.message}`).join('; '));
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function join(base: string, action: string): string {
  return `${base.replace(/\/+$/, '')}/${action}`;
}

/**
 * Builds, validates and queues outgoing Beckn messages in the caller's
 * transaction; the delivery worker signs and sends them once it commits.
 */
export function createMessageSender(deps: SenderDeps) {
  const { bap, bpp } = deps.identities;
  const wakeAfter = (transaction?: Transaction) => (transaction ? transaction.afterCommit(() => deps.wake()) : deps.wake());

  async function searchTarget(context: BecknContext): Promise<string> {
    const gateways = await deps.registry.subscribers({ type: 'BG', domain: context.domain ?? '', city: cityOf(context) });
    const gateway = gateways[0];
    if (!gateway) throw new Error(`no gateway is registered for ${String(context.domain)} in ${String(cityOf(context))}`);
    return gateway.subscriberUrl;
  }

  return {
    /**
     * The gateway a search for this domain and city goes to. A caller about to
     * send a search inside a transaction resolves it first: the lookup may
     * read the registry's own tables, which must not happen while the
     * caller's transaction holds the (embedded) database.
     */
    searchTarget: (context: Pick<BecknContext, 'domain' | 'location'>) => searchTarget(context as BecknContext),

    async sendRequest(input: RequestInput, transaction?: Transaction): Promise<{ transactionId: string; messageId: string }> {
      const now = deps.clock();
      const ttl = input.context.ttl ?? deps.defaultTtl;
      const context: BecknContext = {
        domain: input.context.domain,
        location: input.context.location,
        action: input.action,
        version: input.context.version,
        bap_id: bap.subscriberId,
        bap_uri: bap.subscriberUrl,
        ...(input.context.bpp_id ? { bpp_id: input.context.bpp_id, bpp_uri: input.context.bpp_uri } : {}),
        transaction_id: input.context.transaction_id ?? randomUUID(),
        message_id: randomUUID(),
        timestamp: now.toISOString(),
        ttl,
      };
      const body = encode(deps, input.action, { context, message: input.message });
      const target = input.targetUrl ?? context.bpp_uri ?? (await searchTarget(context));
      const transactionId = context.transaction_id as string;
      const messageId = context.message_id as string;
      await recordSentRequest(
        deps.correlation,
        bap.subscriberId,
        { action: input.action, transactionId, messageId, deadline: now.getTime() + (parseIsoDuration(ttl) ?? 30_000) },
        deps.transactionRetentionMs,
      );
      await deps.outbox.enqueue({ role: 'bap', action: input.action, targetUrl: join(target, input.action), body, transactionId, messageId }, transaction ? { transaction } : {});
      wakeAfter(transaction);
      return { transactionId, messageId };
    },

    async sendCallback(input: CallbackInput, transaction?: Transaction): Promise<{ messageId: string }> {
      const request = input.context;
      const context: BecknContext = {
        ...request,
        action: input.action,
        bpp_id: bpp.subscriberId,
        bpp_uri: bpp.subscriberUrl,
        message_id: input.unsolicited ? randomUUID() : request.message_id,
        timestamp: deps.clock().toISOString(),
        ttl: request.ttl ?? deps.defaultTtl,
      };
      // Orders are built in ONDC names; a callback speaks its own domain's (nic2004:60221: DRIVER_AT_PICKUP, COMPLETE ...).
      const message = 'message' in input.reply ? orderMessageInDomain(context.domain, input.reply.message) : undefined;
      const body = encode(deps, input.action, 'message' in input.reply ? { context, message } : { context, error: input.reply.error });
      if (!request.bap_uri) throw new Error('cannot call back: the request has no bap_uri');
      await deps.outbox.enqueue(
        { role: 'bpp', action: input.action, targetUrl: join(request.bap_uri, input.action), body, transactionId: context.transaction_id ?? null, messageId: context.message_id ?? null },
        transaction ? { transaction } : {},
      );
      wakeAfter(transaction);
      return { messageId: context.message_id as string };
    },
  };
}

export type MessageSender = ReturnType<typeof createMessageSender>;
