import assert from 'node:assert/strict';
import { nextRideState, rideStateOf, RIDE_STATES, type RideState } from '../../src/bap/ride/ride-state.js';

describe('rider side: the ride state machine', () => {
  const forward: RideState[] = ['RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP', 'RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED'];

  it('moves forward one state at a time and skipping states', () => {
    for (const [i, from] of forward.entries()) {
      for (const to of forward.slice(i + 1)) assert.deepEqual(nextRideState(from, to), { kind: 'advance', from, to }, `${from} -> ${to}`);
    }
  });

  it('cancels from any state before the end, never after it', () => {
    for (const from of forward.slice(0, 4)) assert.equal(nextRideState(from, 'RIDE_CANCELLED').kind, 'advance', from);
    assert.equal(nextRideState('RIDE_ENDED', 'RIDE_CANCELLED').kind, 'refused');
  });

  it('never moves back nor out of RIDE_ENDED or RIDE_CANCELLED', () => {
    for (const [i, from] of forward.entries()) {
      for (const to of forward.slice(0, i)) assert.equal(nextRideState(from, to).kind, 'refused', `${from} -> ${to}`);
    }
    for (const to of RIDE_STATES.filter((s) => s !== 'RIDE_CANCELLED')) assert.equal(nextRideState('RIDE_CANCELLED', to).kind, 'refused', `RIDE_CANCELLED -> ${to}`);
    const refused = nextRideState('RIDE_ENDED', 'RIDE_STARTED');
    assert.equal(refused.kind, 'refused');
    assert.match(refused.kind === 'refused' ? refused.reason : '', /RIDE_ENDED/);
  });

  it('takes the same state again as no change', () => {
    for (const state of RIDE_STATES) assert.deepEqual(nextRideState(state, state), { kind: 'same', state });
  });

  it('lets the driver withdraw (RIDE_CONFIRMED) only before the pickup, and takes the next RIDE_ASSIGNED as a new driver', () => {
    for (const from of ['RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP'] as const) assert.deepEqual(nextRideState(from, 'RIDE_CONFIRMED'), { kind: 'withdrawn', from });
    for (const from of ['RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED', 'RIDE_CANCELLED'] as const) {
      assert.equal(nextRideState(from, 'RIDE_CONFIRMED').kind, 'refused', from);
    }
    assert.deepEqual(nextRideState('RIDE_ASSIGNED', 'RIDE_CONFIRMED', true), { kind: 'same', state: 'RIDE_ASSIGNED' }, 'withdrawn again');
    assert.deepEqual(nextRideState('RIDE_ASSIGNED', 'RIDE_ASSIGNED', true), { kind: 'reassigned' });
    assert.deepEqual(nextRideState('RIDE_ASSIGNED', 'RIDE_ASSIGNED'), { kind: 'same', state: 'RIDE_ASSIGNED' }, 'no withdrawal before: the same driver');
    assert.equal(nextRideState('RIDE_ASSIGNED', 'RIDE_CANCELLED', true).kind, 'advance');
  });

  it('reads ONDC codes and maps the Beckn mobility names', () => {
    assert.equal(rideStateOf('RIDE_ARRIVED_PICKUP'), 'RIDE_ARRIVED_PICKUP');
    assert.equal(rideStateOf('ride_started'), 'RIDE_STARTED');
    assert.equal(rideStateOf('RIDE_CONFIRMED'), 'RIDE_ASSIGNED');
    assert.equal(rideStateOf('DRIVER_EN_ROUTE'), 'RIDE_ASSIGNED');
    assert.equal(rideStateOf('DRIVER_EN_ROUTE_TO_PICKUP'), 'RIDE_ENROUTE_PICKUP');
    assert.equal(rideStateOf('DRIVER_AT_PICKUP'), 'RIDE_ARRIVED_PICKUP');
    assert.equal(rideStateOf('PAYMENT_COLLECTED'), null);
    assert.equal(rideStateOf(undefined), null);
    assert.equal(rideStateOf(42), null);
  });
});
