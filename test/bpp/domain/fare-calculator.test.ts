import assert from 'node:assert/strict';
import {
  cancellationFee,
  estimateFare,
  finalFare,
  formatMoney,
  isNightShift,
  parseMoney,
  toBecknBreakup,
  type FareBreakup,
  type FarePolicy,
} from '../../../src/bpp/domain/index.js';

const policy: FarePolicy = {
  currency: 'INR',
  baseDistanceMeters: 2000,
  baseFare: '30',
  perKmFare: '14.5',
  perMinuteFare: '1.5',
  nightShift: { start: '22:00', end: '05:00', timeZone: 'Asia/Kolkata', multiplier: '1.25' },
  waitingFreeMinutes: 3,
  waitingPerMinuteFare: '1',
  pickupCharge: '10',
  cancellationFees: { RIDE_ENROUTE_PICKUP: '20', RIDE_ARRIVED_PICKUP: '50', RIDE_STARTED: '75.5' },
};

/** Noon and 22:30 in Kolkata (UTC+05:30). */
const noonIst = new Date('2026-01-15T06:30:00Z');
const lateEveningIst = new Date('2026-01-15T17:00:00Z');

const lines = (breakup: FareBreakup): [string, string][] => breakup.lines.map((line) => [line.code, formatMoney(line.price)]);

describe('fare calculator', () => {
  it('computes a day fare line by line', () => {
    // distance 5.35 km beyond base × 14.50 = 77.575 → 77.58; 20.5 min × 1.50 = 30.75;
    // waiting 400 s − 180 s free = 220 s → 4 started minutes × 1.00.
    const fare = finalFare(policy, { distanceMeters: 7350, durationSeconds: 1230, waitingSeconds: 400, startedAt: noonIst });
    assert.deepEqual(lines(fare), [
      ['BASE_FARE', '30.00'],
      ['DISTANCE_FARE', '77.58'],
      ['TIME_FARE', '30.75'],
      ['WAITING_CHARGE', '4.00'],
      ['PICKUP_CHARGE', '10.00'],
      ['TOTAL', '152.33'],
    ]);
    assert.equal(formatMoney(fare.total), '152.33');
  });

  it('adds the night charge on base, distance and time only', () => {
    // 0.25 × (30.00 + 77.58 + 30.75) = 34.5825 → 34.58
    const fare = finalFare(policy, { distanceMeters: 7350, durationSeconds: 1230, waitingSeconds: 400, startedAt: lateEveningIst });
    assert.deepEqual(lines(fare), [
      ['BASE_FARE', '30.00'],
      ['DISTANCE_FARE', '77.58'],
      ['TIME_FARE', '30.75'],
      ['WAITING_CHARGE', '4.00'],
      ['PICKUP_CHARGE', '10.00'],
      ['NIGHT_SHIFT_CHARGE', '34.58'],
      ['TOTAL', '186.91'],
    ]);
  });

  it('keeps base and distance lines for a ride within the base distance and drops other zero lines', () => {
    const short: FarePolicy = { ...policy, pickupCharge: '0' };
    const fare = finalFare(short, { distanceMeters: 1500, durationSeconds: 300, waitingSeconds: 170, startedAt: noonIst });
    assert.deepEqual(lines(fare), [
      ['BASE_FARE', '30.00'],
      ['DISTANCE_FARE', '0.00'],
      ['TIME_FARE', '7.50'],
      ['TOTAL', '37.50'],
    ]);
  });

  it('adds a special location pickup charge to the policy one', () => {
    const fare = finalFare(policy, {
      distanceMeters: 2000,
      durationSeconds: 0,
      waitingSeconds: 0,
      startedAt: noonIst,
      pickupChargeExtra: parseMoney('25', 'INR'),
    });
    assert.deepEqual(lines(fare), [
      ['BASE_FARE', '30.00'],
      ['DISTANCE_FARE', '0.00'],
      ['PICKUP_CHARGE', '35.00'],
      ['TOTAL', '65.00'],
    ]);
  });

  it('quotes a range of ±10% distance and duration around the planned route', () => {
    // value: 30 + 8 km × 14.5 + 30 min × 1.5 + 10 = 201.00
    // minimum (9 km, 27 min): 30 + 101.50 + 40.50 + 10 = 182.00; maximum (11 km, 33 min): 30 + 130.50 + 49.50 + 10 = 220.00
    const estimate = estimateFare(policy, { distanceMeters: 10_000, durationSeconds: 1800, at: noonIst });
    assert.equal(formatMoney(estimate.value), '201.00');
    assert.equal(formatMoney(estimate.minimum), '182.00');
    assert.equal(formatMoney(estimate.maximum), '220.00');
    assert.equal(formatMoney(estimate.breakup.total), '201.00');
    assert.ok(!estimate.breakup.lines.some((line) => line.code === 'WAITING_CHARGE'));
    const night = estimateFare(policy, { distanceMeters: 10_000, durationSeconds: 1800, at: lateEveningIst });
    // 201.00 + 0.25 × 191.00 = 248.75
    assert.equal(formatMoney(night.value), '248.75');
  });

  it('turns a breakup into Beckn quote items with ONDC titles and no total line', () => {
    const fare = finalFare(policy, { distanceMeters: 7350, durationSeconds: 1230, waitingSeconds: 400, startedAt: lateEveningIst });
    assert.deepEqual(toBecknBreakup(fare), [
      { title: 'BASE_FARE', price: { currency: 'INR', value: '30.00' } },
      { title: 'DISTANCE_FARE', price: { currency: 'INR', value: '77.58' } },
      { title: 'TIME_FARE', price: { currency: 'INR', value: '30.75' } },
      { title: 'WAITING_CHARGES', price: { currency: 'INR', value: '4.00' } },
      { title: 'PICKUP_CHARGE', price: { currency: 'INR', value: '10.00' } },
      { title: 'NIGHT_CHARGES', price: { currency: 'INR', value: '34.58' } },
    ]);
  });

  it('charges the cancellation fee of the fulfillment state, none after the ride ended', () => {
    const fee = (state: Parameters<typeof cancellationFee>[1]) => {
      const money = cancellationFee(policy, state);
      return money && formatMoney(money);
    };
    assert.equal(fee('RIDE_CONFIRMED'), '0.00');
    assert.equal(fee('RIDE_ASSIGNED'), '0.00');
    assert.equal(fee('RIDE_ENROUTE_PICKUP'), '20.00');
    assert.equal(fee('RIDE_ARRIVED_PICKUP'), '50.00');
    assert.equal(fee('RIDE_STARTED'), '75.50');
    assert.equal(fee('RIDE_ENDED'), null);
    assert.equal(fee('RIDE_CANCELLED'), null);
  });

  it('rejects invalid policies and inputs', () => {
    const ride = { distanceMeters: 1000, durationSeconds: 60, waitingSeconds: 0, startedAt: noonIst };
    const night = policy.nightShift!;
    const broken: FarePolicy[] = [
      { ...policy, perKmFare: '14.555' },
      { ...policy, baseFare: '-1' },
      { ...policy, currency: 'XYZ' },
      { ...policy, baseDistanceMeters: -1 },
      { ...policy, waitingFreeMinutes: 1.5 },
      { ...policy, nightShift: { ...night, start: '24:00' } },
      { ...policy, nightShift: { ...night, end: '22:00' } },
      { ...policy, nightShift: { ...night, multiplier: '0.9' } },
      { ...policy, nightShift: { ...night, timeZone: 'Mars/Olympus' } },
      { ...policy, cancellationFees: { RIDE_LOST: '5' } as FarePolicy['cancellationFees'] },
    ];
    for (const candidate of broken) assert.throws(() => finalFare(candidate, ride), RangeError, JSON.stringify(candidate));
    assert.throws(() => finalFare(policy, { ...ride, distanceMeters: -5 }), RangeError);
    assert.throws(() => finalFare(policy, { ...ride, waitingSeconds: Number.NaN }), RangeError);
  });
});

describe('night shift window', () => {
  const window = (start: string, end: string, timeZone: string) => ({ start, end, timeZone, multiplier: '1.5' });

  it('crosses midnight: start is inside, end is outside', () => {
    const night = window('22:00', '05:00', 'Asia/Kolkata');
    const at = (utc: string) => isNightShift(night, new Date(utc));
    assert.equal(at('2026-01-15T16:29:00Z'), false, '21:59 IST');
    assert.equal(at('2026-01-15T16:30:00Z'), true, '22:00 IST');
    assert.equal(at('2026-01-15T19:00:00Z'), true, '00:30 IST');
    assert.equal(at('2026-01-15T23:29:00Z'), true, '04:59 IST');
    assert.equal(at('2026-01-15T23:30:00Z'), false, '05:00 IST');
    assert.equal(at('2026-01-15T06:30:00Z'), false, '12:00 IST');
  });

  it('reads the same from a fixed offset', () => {
    const night = window('22:00', '05:00', '+05:30');
    assert.equal(isNightShift(night, new Date('2026-01-15T19:00:00Z')), true);
    assert.equal(isNightShift(night, new Date('2026-01-15T23:30:00Z')), false);
    assert.equal(isNightShift(window('22:00', '05:00', '-03:00'), new Date('2026-01-16T01:30:00Z')), true, '22:30 at UTC−3');
  });

  it('follows daylight saving in an IANA zone', () => {
    const night = window('22:00', '05:00', 'Europe/Berlin');
    assert.equal(isNightShift(night, new Date('2026-07-01T20:30:00Z')), true, '22:30 CEST');
    assert.equal(isNightShift(night, new Date('2026-07-01T19:30:00Z')), false, '21:30 CEST');
    assert.equal(isNightShift(night, new Date('2026-01-15T21:30:00Z')), true, '22:30 CET');
    assert.equal(isNightShift(night, new Date('2026-01-15T20:30:00Z')), false, '21:30 CET');
  });

  it('handles a window within one day', () => {
    const afternoon = window('13:00', '15:00', '+00:00');
    assert.equal(isNightShift(afternoon, new Date('2026-01-15T12:59:00Z')), false);
    assert.equal(isNightShift(afternoon, new Date('2026-01-15T13:00:00Z')), true);
    assert.equal(isNightShift(afternoon, new Date('2026-01-15T15:00:00Z')), false);
    assert.equal(isNightShift(null, new Date('2026-01-15T13:30:00Z')), false);
  });
});
