import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startBecknHarness, type BecknHarness } from '../support/beckn-harness.js';
import { fakeBppRider, type FakeBppRider } from './fake-bpp-rider.js';

/** The driver's number in the ONDC example on_confirm (X10) the fake BPP answers with. */
const EXAMPLE_PHONE = '9856798567';

describe("BAP: the driver's phone number is stored encrypted with a keyed hash, and shown to the rider", function () {
  this.timeout(120_000);
  let net: BecknHarness;
  let rider: FakeBppRider;

  const rideRow = async (bookingId: string) => {
    const [rows] = await net.app.ctx.sequelize.query('SELECT * FROM atlas_app.ride WHERE booking_id = $1', { bind: [bookingId] });
    assert.equal(rows.length, 1, 'the confirmed booking has its ride');
    return rows[0] as Record<string, unknown>;
  };
  const shownDriver = async (bookingId: string) => {
    const booking = await rider.call('GET', `/rider/bookings/${bookingId}`);
    assert.equal(booking.status, 200, JSON.stringify(booking.body));
    return booking.body.ride.driver as { name: string | null; phone: string | null };
  };

  before(async () => {
    net = await startBecknHarness();
    rider = await fakeBppRider(net, 'Asha Rao');
  });
  after(async () => {
    await net?.close();
  });

  it('keeps no plaintext number in atlas_app.ride once the ride is assigned, and when the BPP names another number', async () => {
    const { transactionId, bookingId } = await rider.confirming({ lat: 12.91, lon: 77.61 });
    const confirm = await rider.sentToFake('confirm', transactionId);
    assert.equal((await rider.answer(confirm, 'on_confirm', 'X10')).status, 200);

    const assigned = await rideRow(bookingId);
    assert.equal(assigned.state, 'RIDE_ASSIGNED');
    assert.ok(!JSON.stringify(assigned).includes(EXAMPLE_PHONE), `no column holds the number: ${JSON.stringify(assigned)}`);
    assert.ok(!('driver_phone' in assigned), 'the plain column is gone');
    assert.equal(assigned.driver_phone_hash, net.app.ctx.bap.cipher.hash(EXAMPLE_PHONE));
    assert.equal(net.app.ctx.bap.cipher.decrypt(String(assigned.driver_phone_encrypted)), EXAMPLE_PHONE);
    assert.deepEqual(await shownDriver(bookingId), { name: 'Jason Roy', phone: EXAMPLE_PHONE });

    // The driver on the way, with another number: sealed again, shown as the new one.
    const newNumber = '9000011111';
    const onStatus = await rider.answer(confirm, 'on_status', 'X19', (b) => {
      b.context.message_id = randomUUID(); // unsolicited: answers no request of ours
      b.message.order.fulfillments[0].agent.contact.phone = newNumber;
    });
    assert.equal(onStatus.status, 200, JSON.stringify(onStatus.body));
    const enroute = await rideRow(bookingId);
    assert.equal(enroute.state, 'RIDE_ENROUTE_PICKUP');
    assert.ok(!JSON.stringify(enroute).includes(newNumber) && !JSON.stringify(enroute).includes(EXAMPLE_PHONE), JSON.stringify(enroute));
    assert.equal(enroute.driver_phone_hash, net.app.ctx.bap.cipher.hash(newNumber));
    assert.deepEqual(await shownDriver(bookingId), { name: 'Jason Roy', phone: newNumber });
  });
});
