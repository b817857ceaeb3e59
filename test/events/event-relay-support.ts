import type { Admin, Kafka } from 'kafkajs';
import { QueryTypes, type Sequelize } from 'sequelize';
import { EVENT_TYPE_HEADER, EVENT_VERSION_HEADER, EVENT_VERSIONS, recordBusinessEvent, schemaOfSide, type BusinessEvent, type EventSide } from '../../src/events/index.js';
import { uniqueTestName } from '../support/services.js';

export interface Published {
  key: string;
  eventId: string;
  eventType: string;
  eventVersion: string;
  value: BusinessEvent;
  partition: number;
  offset: number;
}

/** Everything a fresh consumer group reads from `topic`, from the beginning, as it arrives. */
export async function collectEvents(kafka: Kafka, topic: string): Promise<{ received: Published[]; stop: () => Promise<void> }> {
  const groupId = uniqueTestName('event_relay_group');
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  const received: Published[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      const value = JSON.parse(message.value?.toString() ?? 'null') as BusinessEvent;
      received.push({
        key: message.key?.toString() ?? '',
        eventId: value.event_id,
        eventType: message.headers?.[EVENT_TYPE_HEADER]?.toString() ?? '',
        eventVersion: message.headers?.[EVENT_VERSION_HEADER]?.toString() ?? '',
        value,
        partition,
        offset: Number(message.offset),
      });
    },
  });
  return {
    received,
    stop: async () => {
      await consumer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** Messages written to `topic` so far (a duplicate shows here even before anyone reads it). */
export async function topicMessageCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

const BASE_TIME = Date.parse('2025-03-04T05:06:07.089Z');
let clock = 0;

/** A driver.online event for `subject`, as the relay must publish it once its id is known. */
export function driverOnline(side: EventSide, subject: string) {
  clock += 1;
  const occurredAt = new Date(BASE_TIME + clock * 1_001);
  const input = {
    type: 'driver.online' as const,
    side,
    occurredAt,
    merchantId: 'test-merchant',
    city: 'std:080',
    cell: 'tdr1v9q',
    variant: 'SEDAN',
    subjectId: subject,
    payload: { driver_id: subject },
  };
  const expected = (eventId: string): BusinessEvent => ({
    event_id: eventId,
    event_type: 'driver.online',
    event_version: EVENT_VERSIONS['driver.online'],
    occurred_at: occurredAt.toISOString(),
    side,
    merchant_id: 'test-merchant',
    city: 'std:080',
    cell: 'tdr1v9q',
    variant: 'SEDAN',
    subject_id: subject,
    payload: { driver_id: subject },
  });
  return { input, expected };
}

/**
 * Records `count` events in committed transactions of `perTransaction`
 * events each, spread over `subjects` (each subject on one side), and
 * returns them as the relay must publish them, in recording order.
 */
export async function recordEvents(sequelize: Sequelize, count: number, subjects: { id: string; side: EventSide }[], perTransaction = 10): Promise<BusinessEvent[]> {
  const events: BusinessEvent[] = [];
  for (let start = 0; start < count; start += perTransaction) {
    await sequelize.transaction(async (transaction) => {
      for (let i = start; i < Math.min(count, start + perTransaction); i++) {
        const subject = subjects[i % subjects.length] as { id: string; side: EventSide };
        const { input, expected } = driverOnline(subject.side, subject.id);
        const id = await recordBusinessEvent(sequelize, transaction, input);
        if (!id) throw new Error('event not recorded');
        events.push(expected(id));
      }
    });
  }
  return events;
}

export function subjectsOf(prefix: string, perSide: number): { id: string; side: EventSide }[] {
  const subjects: { id: string; side: EventSide }[] = [];
  for (let i = 0; i < perSide; i++) {
    subjects.push({ id: `${prefix}-bap-${i}`, side: 'bap' }, { id: `${prefix}-bpp-${i}`, side: 'bpp' });
  }
  return subjects;
}

export async function outboxRows(sequelize: Sequelize, side: EventSide): Promise<{ seq: string; event_id: string; relayed_at: Date | null }[]> {
  return sequelize.query(`SELECT seq, event_id, relayed_at FROM ${schemaOfSide[side]}.business_event_outbox ORDER BY seq`, { type: QueryTypes.SELECT });
}
