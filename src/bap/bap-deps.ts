import type { Sequelize } from 'sequelize';
import type { SettlementAccount, SettlementTerms } from '../config/index.js';
import type { CorrelationStore } from '../infra/correlation/index.js';
import type { FieldCipher } from '../infra/crypto/field-cipher.js';
import type { Logger } from '../infra/logging/logger.js';
import type { Scheduler } from '../infra/scheduler/index.js';
import type { PaymentGateway } from '../payments/gateway/index.js';
import type { MessageSender } from '../protocol/index.js';

/** The rider side's tables live in the seed's rider-platform schema. */
export const BAP_SCHEMA = 'atlas_app';

export const RIDER_APP_TAG = 'Rider app';
export const RIDER_SECURITY = 'riderToken';
export const RIDER_ADMIN_TAG = 'Rider operator';

/** Where and how the rider side talks Beckn (PROFILE.md: ONDC:TRV10 2.0.1 first). */
export interface BapSettings {
  /** The search's own domain (the first of `domains`) and its version. */
  domain: string;
  version: string;
  /** Every domain a search goes out in (ONDC:TRV10, nic2004:60221): one search per domain, in one transaction. */
  domains: readonly string[];
  cityCode: string;
  countryCode: string;
  /** How long BPPs have to answer a search (ISO-8601 duration); later on_search is NACKed as late. */
  searchTtl: string;
  /** The ttl of every other request. */
  requestTtl: string;
  /** Search these BPP subscriber URLs directly; empty: through the gateway the registry names. */
  searchBppUris: readonly string[];
  /** The payment tags of every search intent and init (ONDC BUYER_FINDER_FEES and SETTLEMENT_TERMS). */
  paymentTerms: BapPaymentTermsSettings;
}

/** The rider side's ONDC payment tags: its finder fee and the settlement terms it proposes. */
export interface BapPaymentTermsSettings {
  /** BUYER_FINDER_FEES_PERCENTAGE, a decimal string ("1"). */
  buyerFinderFeePercentage: string;
  settlement: SettlementTerms;
  /** The rider side's settlement account, sent as the payment's params in init (the provider collecting settles the fee into it); null: none configured. */
  account?: SettlementAccount | null;
}

export const defaultBapSettings: BapSettings = Object.freeze<BapSettings>({
  domain: 'ONDC:TRV10',
  version: '2.0.1',
  domains: ['ONDC:TRV10'],
  cityCode: 'std:080',
  countryCode: 'IND',
  searchTtl: 'PT30S',
  requestTtl: 'PT30S',
  searchBppUris: [],
  paymentTerms: {
    buyerFinderFeePercentage: '1',
    settlement: {
      window: 'PT60M',
      basis: 'DELIVERY',
      type: 'UPI',
      mandatoryArbitration: true,
      courtJurisdiction: 'Bengaluru',
      delayInterest: '0',
      staticTerms: 'http://127.0.0.1:8080/static-terms.txt',
    },
  },
});

/** The context.version each domain the rider side speaks is spoken at (PROFILE.md): ONDC:TRV10 at 2.0.1, Beckn core mobility at 1.1.0. */
const domainVersions: Readonly<Record<string, string>> = { 'ONDC:TRV10': '2.0.1', 'nic2004:60221': '1.1.0' };

export function versionOfDomain(domain: string): string {
  return domainVersions[domain] ?? defaultBapSettings.version;
}

/** True for the ONDC profile, whose payment tags (BUYER_FINDER_FEES, SETTLEMENT_TERMS) the core profile does not define. */
export const isOndcDomain = (domain: string): boolean => domain.startsWith('ONDC:');

/** The rider side's settings from the configuration. */
export function bapSettingsOf(config: {
  beckn: { defaultTtl: string; bap: { cityCode: string; searchTtl: string; searchBppUris: readonly string[]; domains?: readonly string[] } };
  paymentTerms: Pick<BapPaymentTermsSettings, 'buyerFinderFeePercentage' | 'settlement'> & { riderAccount?: SettlementAccount | null };
}): BapSettings {
  const domains = config.beckn.bap.domains?.length ? config.beckn.bap.domains : defaultBapSettings.domains;
  const domain = domains[0] ?? defaultBapSettings.domain;
  return {
    ...defaultBapSettings,
    domain,
    version: versionOfDomain(domain),
    domains,
    cityCode: config.beckn.bap.cityCode,
    searchTtl: config.beckn.bap.searchTtl,
    requestTtl: config.beckn.defaultTtl,
    searchBppUris: config.beckn.bap.searchBppUris,
    paymentTerms: {
      buyerFinderFeePercentage: config.paymentTerms.buyerFinderFeePercentage,
      settlement: config.paymentTerms.settlement,
      account: config.paymentTerms.riderAccount ?? null,
    },
  };
}

/** What the rider side needs from the application context. */
export interface BapDeps {
  sequelize: Sequelize;
  cipher: FieldCipher;
  /** Shared across replicas: rider requests and event streams are woken through it. */
  correlation: CorrelationStore;
  sender: MessageSender;
  /** Ends the wait for an answer that never comes (answer-timeout.ts). */
  scheduler: Scheduler;
  /** config.secrets.adminToken: creating riders is the operator's business. */
  adminToken: string;
  settings: BapSettings;
  logger: Logger;
  now?: () => number;
  /** How often the answer sweep runs (answer-timeout.ts); tests shorten it. */
  answerSweepIntervalMs?: number;
  payments: BapPayments;
  /** How long a booking paid before the ride waits for its payment (unpaid-booking.ts); tests shorten it. */
  paymentWindowMs?: number;
}

/** The rider side collects (Beckn collected_by BAP): its gateway account and how long to keep asking about a pending payment. */
export interface BapPayments {
  gateway: PaymentGateway;
  /** The gateway account's merchant id, kept on each payment order. */
  merchantId: string;
  /** Where the payment page sends the rider back: `{publicUrl}/rider/bookings/{id}/payment`. */
  publicUrl: string;
  statusCheck: { baseDelayMs: number; maxAttempts: number };
}


/** Channels on which a committed change is announced to every replica's waiting requests and event streams. */
export const searchChannel = (searchId: string) => `bap:search:${searchId}`;
export const bookingChannel = (bookingId: string) => `bap:booking:${bookingId}`;
