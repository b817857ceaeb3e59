import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../infra/logging/logger.js';

/**
 * A small operator for trying beckn-ride on one machine: a merchant in
 * Bengaluru (std:080) with sedan and auto-rickshaw fare policies, a special
 * location (a bus station with a gate and a pickup charge) and a few
 * simulated drivers kept online near the city centre. Everything is created
 * through the operator and driver APIs of the running process, as an
 * operator's tools would, so it passes the same validation. Created once;
 * on later starts only the drivers come back online.
 */
export const DEMO_CITY = { code: 'std:080', currency: 'INR' } as const;

/** Where the demo rides go: Indiranagar to Domlur, about 2.4 km as the crow flies. */
export const DEMO_ROUTE = { pickup: { lat: 12.9719, lon: 77.6412 }, drop: { lat: 12.956, lon: 77.626 } } as const;

const farePolicies = {
  SEDAN: {
    base_distance_meters: 2000,
    base_fare: '80',
    per_km: '18',
    per_minute: '1.5',
    night_shift: { start: '22:00', end: '05:00', multiplier: '1.25' },
    waiting_free_minutes: 3,
    waiting_charge_per_minute: '2',
    pickup_charge: '10',
    cancellation_fees: { RIDE_ASSIGNED: '25', RIDE_ARRIVED_PICKUP: '50' },
    currency: 'INR',
  },
  AUTO_RICKSHAW: {
    base_distance_meters: 1800,
    base_fare: '30',
    per_km: '15',
    per_minute: '1',
    waiting_free_minutes: 3,
    waiting_charge_per_minute: '1.5',
    pickup_charge: '0',
    cancellation_fees: { RIDE_ASSIGNED: '10', RIDE_ARRIVED_PICKUP: '20' },
    currency: 'INR',
  },
} as const;

/** Kempegowda bus station (Majestic): pickups inside pay a charge and meet the driver at the gate. */
const specialLocation = {
  location_name: 'Kempegowda Bus Station',
  location_type: 'Open',
  category: 'BusStation',
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [77.5705, 12.9755],
        [77.5745, 12.9755],
        [77.5745, 12.979],
        [77.5705, 12.979],
        [77.5705, 12.9755],
      ],
    ],
  },
  gates: [{ name: 'Platform 1 gate', point: { lat: 12.9768, lon: 77.5722 }, can_queue_up_on_gate: true, default_driver_extra: '20' }],
  priority: { pickup_priority: 10, drop_priority: 5 },
};

/** Simulated drivers: parked a little away from the demo pickup, so a driver placed right at it is offered the ride first. */
const simulatedDrivers = [
  { name: 'Sim Driver Anil', category: 'CAB', variant: 'SEDAN', at: { lat: 12.9784, lon: 77.6408 } },
  { name: 'Sim Driver Bhavna', category: 'CAB', variant: 'SEDAN', at: { lat: 12.9655, lon: 77.6355 } },
  { name: 'Sim Driver Chetan', category: 'AUTO_RICKSHAW', variant: 'AUTO_RICKSHAW', at: { lat: 12.9741, lon: 77.6469 } },
  { name: 'Sim Driver Divya', category: 'CAB', variant: 'SUV', at: { lat: 12.9695, lon: 77.6492 } },
] as const;

interface DriverCredential {
  id: string;
  token: string;
  at: { lat: number; lon: number };
}

/** Drivers post a fix this often; the location store forgets positions older than a minute. */
const PRESENCE_INTERVAL_MS = 20_000;

export interface DemoNetwork {
  merchantId: string;
  stop(): void;
}

export async function seedDemoNetwork(options: { baseUrl: string; adminToken: string; bppSubscriberId: string; dataDir: string; logger: Logger }): Promise<DemoNetwork> {
  const { baseUrl, adminToken, logger } = options;
  const request = async (method: string, path: string, body?: unknown, token = adminToken) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json().catch(() => null)) as any;
    if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  };

  const listed = await request('GET', '/provider/merchants');
  let merchant = (listed.merchants as any[]).find((m) => m.subscriber_id === options.bppSubscriberId);
  if (!merchant) {
    merchant = await request('POST', '/provider/merchants', {
      name: 'Namma Demo Cabs',
      subscriber_id: options.bppSubscriberId,
      cities: [{ city_code: DEMO_CITY.code, currency: DEMO_CITY.currency }],
    });
    const cityId = merchant.cities[0].id as string;
    for (const [variant, policy] of Object.entries(farePolicies)) await request('PUT', `/provider/fare-policies/${cityId}/${variant}`, policy);
    await request('POST', '/provider/special-locations', { merchant_operating_city_id: cityId, ...specialLocation });
    logger.info({ merchantId: merchant.id }, 'demo operator seeded: merchant, fare policies, special location');
  }

  const credentialsFile = join(options.dataDir, 'demo-drivers.json');
  let drivers: DriverCredential[] = [];
  if (existsSync(credentialsFile)) {
    const stored = JSON.parse(readFileSync(credentialsFile, 'utf8')) as { merchantId: string; drivers: DriverCredential[] };
    if (stored.merchantId === merchant.id) drivers = stored.drivers;
  }
  if (drivers.length === 0) {
    for (const [index, sim] of simulatedDrivers.entries()) {
      const driver = await request('POST', '/provider/drivers', {
        merchant_id: merchant.id,
        name: sim.name,
        mobile_number: `+9190000${String(Date.now()).slice(-4)}${index}`,
      });
      await request('POST', '/provider/vehicles', {
        driver_id: driver.id,
        registration_no: `KA01SIM${String(Date.now()).slice(-3)}${index}`,
        category: sim.category,
        variant: sim.variant,
        capacity: sim.category === 'CAB' ? 4 : 3,
      });
      const { token } = await request('POST', `/provider/drivers/${driver.id}/tokens`);
      drivers.push({ id: driver.id, token, at: { ...sim.at } });
    }
    mkdirSync(options.dataDir, { recursive: true });
    writeFileSync(credentialsFile, JSON.stringify({ merchantId: merchant.id, drivers }, null, 2), { mode: 0o600 });
  }

  const presence = async () => {
    for (const driver of drivers) {
      try {
        await request('POST', '/driver/status', { online: true }, driver.token);
        await request('POST', '/driver/location', { points: [{ ...driver.at, ts: Date.now() }] }, driver.token);
      } catch (error) {
        logger.warn({ err: error, driverId: driver.id }, 'simulated driver could not report');
      }
    }
  };
  await presence();
  const timer = setInterval(() => void presence(), PRESENCE_INTERVAL_MS);
  timer.unref();
  logger.info({ drivers: drivers.length }, 'simulated drivers online');
  return { merchantId: merchant.id as string, stop: () => clearInterval(timer) };
}
