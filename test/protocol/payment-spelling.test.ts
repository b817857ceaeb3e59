import assert from 'node:assert/strict';
import { bapPayment, drop, gps, startBookingFlow, type BookingFlow } from '../bpp/booking-flow.js';

describe('payment enums with underscores on input: read as the hyphenated spelling, which is the only one sent', function () {
  this.timeout(180_000);
  let flow: BookingFlow;

  before(async () => {
    flow = await startBookingFlow();
  });
  after(async () => {
    await flow?.close();
  });

  const intent = (payment: Record<string, unknown>) => ({
    intent: {
      fulfillment: { stops: [{ type: 'START', location: { gps: gps({ lat: 12.95, lon: 77.6 }) } }, { type: 'END', location: { gps: gps(drop) } }] },
      payment,
    },
  });

  it('ACKs a signed init with PRE_ORDER / NOT_PAID: the booking stores and on_init sends PRE-ORDER / NOT-PAID', async () => {
    const pickup = { lat: 12.941, lon: 77.611 };
    const driver = await flow.addSedan({ lat: pickup.lat + 0.001, lon: pickup.lon + 0.001 });
    const selection = await flow.selectSedan(pickup, driver);
    const underscored = { ...bapPayment, type: 'PRE_ORDER', status: 'NOT_PAID' };
    // send() asserts the ACK and checks the on_init's signature and schema.
    const onInit = await flow.send('init', flow.net.toOurBpp({ transaction_id: selection.transactionId }), flow.draftOrder(selection, underscored));
    const payment = (onInit.body.message as any).order.payments[0];
    assert.equal(payment.type, 'PRE-ORDER');
    assert.equal(payment.status, 'NOT-PAID');
    assert.deepEqual(payment.tags, bapPayment.tags);

    const [booking] = await flow.rows<{ payment_terms: Record<string, unknown> }>(
      `SELECT b.payment_terms FROM atlas_driver_offer_bpp.booking b
         JOIN atlas_driver_offer_bpp.allocation a ON a.id = b.allocation_id
        WHERE a.estimate_id = $1`,
      [selection.itemId],
    );
    assert.ok(booking, 'the BPP made the booking');
    assert.equal(booking.payment_terms.type, 'PRE-ORDER');
    assert.equal(booking.payment_terms.status, 'NOT-PAID');
    assert.deepEqual(booking.payment_terms, payment, 'the stored terms are the ones on_init sent');
  });

  it('ACKs a search whose intent payment says ON_FULFILLMENT / NOT_PAID, and logs the bytes as received', async () => {
    const context = flow.net.toOurBpp();
    const body = { context: { domain: 'ONDC:TRV10', version: '2.0.1', action: 'search', location: { city: { code: 'std:080' }, country: { code: 'IND' } }, ...context }, message: intent({ collected_by: 'BAP', type: 'ON_FULFILLMENT', status: 'NOT_PAID' }) };
    const answer = await flow.net.bap.post(`${flow.net.ourBpp.url}/search`, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.message.ack.status, 'ACK');
    const onSearch = await flow.net.bap.waitFor((m) => m.action === 'on_search' && m.body.context.message_id === context.message_id, 30_000);
    flow.checkCallback(onSearch, 'on_search');
    const record = (await flow.net.records()).find((r) => r.direction === 'inbound' && r.action === 'search' && r.message_id === context.message_id);
    assert.ok(record, 'the search is in the message log');
    assert.equal(record.raw_body, JSON.stringify(body), 'the message log keeps the bytes as received');
    assert.equal(record.ack, 'ACK');
  });

  it('NACKs ON_ORDER under nic2004:60221 with the validation code, as it NACKs ON-ORDER there: the core enum has no ON-ORDER', async () => {
    for (const type of ['ON_ORDER', 'ON-ORDER']) {
      const body = {
        context: { domain: 'nic2004:60221', version: '1.1.0', action: 'search', location: { city: { code: 'std:080' }, country: { code: 'IND' } }, ...flow.net.toOurBpp() },
        message: intent({ collected_by: 'BAP', type }),
      };
      const answer = await flow.net.bap.post(`${flow.net.ourBpp.url}/search`, body);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.message.ack.status, 'NACK');
      assert.equal(answer.body.error.type, 'JSON-SCHEMA-ERROR');
      assert.equal(answer.body.error.code, '30000');
      assert.match(answer.body.error.paths, /\/message\/intent\/payment\/type/);
    }
  });
});
