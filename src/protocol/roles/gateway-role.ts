import type { Sequelize } from 'sequelize';
import { NackError } from '../errors/index.js';
import { cityOf } from '../inbound/beckn-context.js';
import type { InboundRole } from '../inbound/run-inbound.js';
import {
  acceptRequests,
  bindRequestSigner,
  checkBapUri,
  checkDuplicate,
  checkEnvelope,
  checkTimeWindow,
  normalisePaymentSpelling,
  parseBody,
  rateLimit,
  requireJson,
  validateSchema,
  verifySignature,
} from '../inbound/steps/index.js';
import type { Outbox } from '../outbound/index.js';
import type { RegistryClient } from '../registry-client/index.js';

/**
 * The gateway: verifies the BAP, finds every BPP subscribed to the domain and
 * city, and queues the unchanged body for each (the BAP's Authorization kept,
 * ours added as X-Gateway-Authorization) before answering ACK.
 */
export function gatewayRole(deps: { registry: RegistryClient; outbox: Outbox; sequelize: Sequelize; wake: () => void }): InboundRole {
  return {
    role: 'gateway',
    side: 'gateway',
    steps: [acceptRequests, requireJson, verifySignature, rateLimit, parseBody, bindRequestSigner, normalisePaymentSpelling, validateSchema, checkEnvelope, checkTimeWindow, checkBapUri, checkDuplicate],
    async accept(message) {
      const context = message.context ?? {};
      const providers = await deps.registry.subscribers({ type: 'BPP', domain: context.domain ?? '', city: cityOf(context) });
      if (providers.length === 0) throw new NackError('NO_PROVIDERS', `no BPP serves ${String(context.domain)} in ${String(cityOf(context))}`);
      const authorization = message.headers.authorization as string;
      await deps.sequelize.transaction(async (transaction) => {
        for (const provider of providers) {
          await deps.outbox.enqueue(
            {
              role: 'gateway',
              action: 'search',
              targetUrl: `${provider.subscriberUrl.replace(/\/+$/, '')}/search`,
              body: message.raw,
              transactionId: context.transaction_id ?? null,
              messageId: context.message_id ?? null,
              extraHeaders: { authorization },
            },
            { transaction },
          );
        }
      });
      deps.wake();
    },
  };
}
