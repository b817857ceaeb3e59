import { QueryTypes, type Sequelize } from 'sequelize';
import { cellOf, type DriverLocationStore } from '../infra/geo/index.js';
import type { Logger } from '../infra/logging/logger.js';
import type { JobHandler, Scheduler } from '../infra/scheduler/index.js';
import { deterministicEventId, recordBppEvent } from './business-events.js';
import { BPP_SCHEMA } from './models/index.js';

export const SUPPLY_SNAPSHOT_JOB = 'bpp.supply-snapshot';
/** How often supply is counted unless configured otherwise. */
export const DEFAULT_SUPPLY_SNAPSHOT_INTERVAL_MS = 60_000;
/** A fix older than this is not counted: the driver location store's staleness window (it leaves such drivers out of nearby searches too). */
export const DEFAULT_SUPPLY_FRESH_FIX_MS = 60_000;

export interface SupplySnapshotDeps {
  sequelize: Sequelize;
  driverLocations: DriverLocationStore;
  logger: Logger;
  /** A driver's latest fix must be at most this old (by the fix's time) to count. */
  freshFixMs?: number;
  now?: () => number;
}

/** One city × cell × variant of a snapshot. */
export interface SupplyGroup {
  merchantId: string;
  city: string;
  cell: string;
  variant: string;
  idle: number;
  onRide: number;
}

/** The snapshot id of a slot (epoch milliseconds): every cell of the run shares it, and a retried run gets the same one. */
export const supplySnapshotId = (slot: number): string => `supply-${new Date(slot).toISOString()}`;

interface SupplyDriverRow {
  id: string;
  status: 'ONLINE' | 'ON_RIDE';
  merchant_id: string;
  variant: string;
  city_code: string | null;
}

/**
 * Drivers online (ONLINE: idle; ON_RIDE: reserved for or on a ride) with a
 * vehicle, each placed in their merchant's operating city (the first by
 * code: a driver belongs to a merchant, not to a city) and in the cell of
 * their latest fix when it is fresh. Drivers without a fresh fix are not
 * counted: nobody can tell where they are.
 */
async function supplyGroups(deps: SupplySnapshotDeps, at: number): Promise<SupplyGroup[]> {
  const drivers = await deps.sequelize.query<SupplyDriverRow>(
    `SELECT d.id, d.status, d.merchant_id, v.variant,
            (SELECT c.city_code FROM ${BPP_SCHEMA}.merchant_operating_city c WHERE c.merchant_id = d.merchant_id ORDER BY c.city_code, c.id LIMIT 1) AS city_code
       FROM ${BPP_SCHEMA}.driver d JOIN ${BPP_SCHEMA}.vehicle v ON v.driver_id = d.id
      WHERE d.status IN ('ONLINE', 'ON_RIDE')
      ORDER BY d.id`,
    { type: QueryTypes.SELECT },
  );
  const freshFixMs = deps.freshFixMs ?? DEFAULT_SUPPLY_FRESH_FIX_MS;
  const groups = new Map<string, SupplyGroup>();
  for (const driver of drivers) {
    if (!driver.city_code) continue;
    const fix = await deps.driverLocations.last(driver.id);
    if (!fix || at - fix.ts > freshFixMs) continue;
    const cell = cellOf(fix.lat, fix.lon);
    const key = JSON.stringify([driver.merchant_id, driver.city_code, cell, driver.variant]);
    const group = groups.get(key) ?? { merchantId: driver.merchant_id, city: driver.city_code, cell, variant: driver.variant, idle: 0, onRide: 0 };
    if (driver.status === 'ON_RIDE') group.onRide += 1;
    else group.idle += 1;
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * Records the supply of one slot: one supply.snapshot per merchant × city ×
 * cell × variant with drivers, all in one transaction, at the slot's time.
 * A slot recorded already (a retried or repeated run) records nothing: the
 * run takes a transaction lock on the snapshot id and looks for its events
 * first, and each event's id derives from the snapshot and its group.
 * Returns how many events it recorded.
 */
export async function recordSupplySnapshot(deps: SupplySnapshotDeps, slot: number): Promise<number> {
  const snapshotId = supplySnapshotId(slot);
  const groups = await supplyGroups(deps, (deps.now ?? Date.now)());
  return deps.sequelize.transaction(async (transaction) => {
    await deps.sequelize.query('SELECT pg_advisory_xact_lock(hashtext($1))', { type: QueryTypes.SELECT, bind: [snapshotId], transaction });
    const [done] = await deps.sequelize.query(
      `SELECT 1 FROM ${BPP_SCHEMA}.business_event_outbox WHERE event_type = 'supply.snapshot' AND subject_id = $1 LIMIT 1`,
      { type: QueryTypes.SELECT, bind: [snapshotId], transaction },
    );
    if (done) return 0;
    for (const group of groups) {
      await recordBppEvent(
        deps.sequelize,
        transaction,
        'supply.snapshot',
        { merchantId: group.merchantId, city: group.city, cell: group.cell, variant: group.variant },
        snapshotId,
        { snapshot_id: snapshotId, online: group.idle + group.onRide, idle: group.idle, on_ride: group.onRide },
        new Date(slot),
        deterministicEventId('supply.snapshot', snapshotId, group.merchantId, group.city, group.cell, group.variant),
      );
    }
    return groups.length;
  });
}

export interface SupplySnapshotJob {
  /** Registers the job's handler; once per scheduler. */
  register(): void;
  /** Schedules the current slot's run, due at once; replicas starting together share it. */
  start(now?: number): Promise<void>;
}

/**
 * The periodic supply snapshot: a run per slot (a multiple of `intervalMs`),
 * keyed by the slot so every replica schedules the same job, the next slot
 * scheduled before the run works (a failing run does not end the chain; the
 * scheduler retries it, and the retry records the same slot once). Its
 * own handler rather than periodicJob's, whose run is not told its slot.
 */
export function supplySnapshotJob(scheduler: Scheduler, deps: SupplySnapshotDeps, intervalMs = DEFAULT_SUPPLY_SNAPSHOT_INTERVAL_MS): SupplySnapshotJob {
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) throw new RangeError(`supply snapshot interval must be a positive whole number of milliseconds: ${intervalMs}`);
  const scheduleSlot = async (slot: number) => {
    await scheduler.schedule({ id: `${SUPPLY_SNAPSHOT_JOB}:${slot}`, type: SUPPLY_SNAPSHOT_JOB, payload: { slot }, runAt: slot });
  };
  const handler: JobHandler = async (job) => {
    const given = (job.payload as { slot?: unknown } | null)?.slot;
    const slot = typeof given === 'number' ? given : Math.floor(job.scheduledFor / intervalMs) * intervalMs;
    await scheduleSlot(slot + intervalMs);
    const recorded = await recordSupplySnapshot(deps, slot);
    deps.logger.debug({ slot, groups: recorded }, 'supply snapshot recorded');
  };
  return {
    register: () => scheduler.register(SUPPLY_SNAPSHOT_JOB, handler),
    start: (now = Date.now()) => scheduleSlot(Math.floor(now / intervalMs) * intervalMs),
  };
}
