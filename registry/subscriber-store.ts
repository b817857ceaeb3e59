import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { LookupFilter, SubscriberRecord, SubscriberType } from '../src/protocol/registry-client/index.js';
import type { SubscriberRecordInput, SubscriptionStatus } from './subscriber-input.js';

interface SubscriberRow {
  subscriber_id: string;
  unique_key_id: string;
  type: SubscriberType;
  domain: string | null;
  city: string | null;
  country: string | null;
  subscriber_url: string;
  signing_public_key: string;
  encr_public_key: string | null;
  valid_from: Date;
  valid_until: Date;
  status: SubscriptionStatus;
  created: Date;
  updated: Date;
}

export interface RegistryRecord extends SubscriberRecord {
  type: SubscriberType;
  status: SubscriptionStatus;
}

const table = 'beckn_registry.subscriber';
const columns =
  'subscriber_id, unique_key_id, type, domain, city, country, subscriber_url, signing_public_key, ' +
  'encr_public_key, valid_from, valid_until, status, created, updated';
/** First key of the two-key advisory lock space, so registry locks never meet other modules' locks. */
const subscriberLockSpace = 52_017;

function toRecord(row: SubscriberRow): RegistryRecord {
  return {
    subscriberId: row.subscriber_id,
    uniqueKeyId: row.unique_key_id,
    type: row.type,
    domain: row.domain,
    city: row.city,
    country: row.country,
    subscriberUrl: row.subscriber_url,
    signingPublicKey: row.signing_public_key,
    encrPublicKey: row.encr_public_key,
    validFrom: row.valid_from.toISOString(),
    validUntil: row.valid_until.toISOString(),
    status: row.status,
    created: row.created.toISOString(),
    updated: row.updated.toISOString(),
  };
}

/** Subscriber records in Postgres; every method takes the caller's transaction, if any. */
export function createSubscriberStore(sequelize: Sequelize) {
  const select = async (where: string, bind: unknown[], transaction?: Transaction): Promise<RegistryRecord[]> => {
    const rows = await sequelize.query<SubscriberRow>(
      `SELECT ${columns} FROM ${table}${where} ORDER BY subscriber_id, unique_key_id`,
      { bind, type: QueryTypes.SELECT, transaction },
    );
    return rows.map(toRecord);
  };

  return {
    async lookup(filter: LookupFilter, transaction?: Transaction): Promise<RegistryRecord[]> {
      const conditions: string[] = [];
      const bind: unknown[] = [];
      const byColumn: [string, string | undefined][] = [
        ['subscriber_id', filter.subscriberId],
        ['unique_key_id', filter.uniqueKeyId],
        ['type', filter.type],
        ['domain', filter.domain],
        ['city', filter.city],
        ['country', filter.country],
      ];
      for (const [column, value] of byColumn) {
        if (value === undefined) continue;
        bind.push(value);
        // A record without a domain or city serves every domain or city (a multi-domain participant).
        const wildcard = column === 'domain' || column === 'city' ? ` OR ${column} IS NULL` : '';
        conditions.push(`(${column} = $${bind.length}${wildcard})`);
      }
      return select(conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '', bind, transaction);
    },

    async find(subscriberId: string, uniqueKeyId: string, transaction?: Transaction): Promise<RegistryRecord | null> {
      const [record] = await select(' WHERE subscriber_id = $1 AND unique_key_id = $2', [subscriberId, uniqueKeyId], transaction);
      return record ?? null;
    },

    /** Inserts the record, or replaces every field but `created` of the one with the same key id. */
    async save(input: SubscriberRecordInput, status: SubscriptionStatus, now: Date, transaction?: Transaction): Promise<RegistryRecord> {
      const [row] = await sequelize.query<SubscriberRow>(
        `INSERT INTO ${table} (${columns})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
         ON CONFLICT (subscriber_id, unique_key_id) DO UPDATE SET
           type = EXCLUDED.type, domain = EXCLUDED.domain, city = EXCLUDED.city, country = EXCLUDED.country,
           subscriber_url = EXCLUDED.subscriber_url, signing_public_key = EXCLUDED.signing_public_key,
           encr_public_key = EXCLUDED.encr_public_key, valid_from = EXCLUDED.valid_from,
           valid_until = EXCLUDED.valid_until, status = EXCLUDED.status, updated = EXCLUDED.updated
         RETURNING ${columns}`,
        {
          bind: [
            input.subscriberId,
            input.uniqueKeyId,
            input.type,
            input.domain,
            input.city,
            input.country,
            input.subscriberUrl,
            input.signingPublicKey,
            input.encrPublicKey,
            input.validFrom.toISOString(),
            input.validUntil.toISOString(),
            status,
            now.toISOString(),
          ],
          type: QueryTypes.SELECT,
          transaction,
        },
      );
      if (row === undefined) throw new Error('saving a subscriber record returned no row');
      return toRecord(row);
    },

    async setStatus(
      subscriberId: string,
      uniqueKeyId: string,
      status: SubscriptionStatus,
      now: Date,
      transaction?: Transaction,
    ): Promise<RegistryRecord | null> {
      const [row] = await sequelize.query<SubscriberRow>(
        `UPDATE ${table} SET status = $3, updated = $4 WHERE subscriber_id = $1 AND unique_key_id = $2 RETURNING ${columns}`,
        { bind: [subscriberId, uniqueKeyId, status, now.toISOString()], type: QueryTypes.SELECT, transaction },
      );
      return row === undefined ? null : toRecord(row);
    },

    /**
     * Runs `work` in a transaction holding a lock on the subscriber id, so
     * decisions that read the subscriber's other records (may this key be
     * added?) cannot interleave with another change to the same subscriber.
     */
    withSubscriberLock<T>(subscriberId: string, work: (transaction: Transaction) => Promise<T>): Promise<T> {
      return sequelize.transaction(async (transaction) => {
        await sequelize.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', {
          bind: [subscriberLockSpace, subscriberId],
          transaction,
        });
        return work(transaction);
      });
    },
  };
}

export type SubscriberStore = ReturnType<typeof createSubscriberStore>;
