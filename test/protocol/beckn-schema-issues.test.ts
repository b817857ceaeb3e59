import assert from 'node:assert/strict';
import { createBecknValidator, type BecknSchemaIssue, type BecknValidator } from '../../src/protocol/schemas/index.js';
import { example, mobilityExamples, mobilityOnStatus, ondcExamples, ondcSelect } from './beckn-examples.js';

const brief = (issues: BecknSchemaIssue[]) => issues.map(({ path, keyword }) => ({ path, keyword }));

describe('Beckn schema issues', function () {
  this.timeout(60_000);
  let validator: BecknValidator;

  before(() => {
    validator = createBecknValidator();
  });

  it('a select without context.bpp_id under ONDC is reported at /context/bpp_id', () => {
    const body = ondcSelect();
    assert.deepEqual(validator.validate('select', body), []);
    delete body.context.bpp_id;
    assert.deepEqual(validator.validate('select', body), [
      { path: '/context/bpp_id', message: 'required property bpp_id is missing', keyword: 'required' },
    ]);
  });

  it('the core asks nothing of bpp_id, so a domain without a profile layer gets the core schema only', () => {
    const body = ondcSelect();
    delete body.context.bpp_id;
    body.context.domain = 'ONDC:RET10';
    assert.deepEqual(validator.validate('select', body), []);
  });

  it('a context.action other than the endpoint is one issue at /context/action', () => {
    const body = ondcSelect();
    body.context.action = 'init';
    assert.deepEqual(brief(validator.validate('select', body)), [{ path: '/context/action', keyword: 'enum' }]);
    assert.equal(validator.validate('select', body)[0]?.message, 'must be "select"');
  });

  it('a stop type outside START/END is reported at its index; either case is accepted', () => {
    const body = example(ondcExamples.search);
    body.message.intent.fulfillment.stops[0].type = 'start';
    body.message.intent.fulfillment.stops[1].type = 'End';
    assert.deepEqual(validator.validate('search', body), []);
    body.message.intent.fulfillment.stops[1].type = 'VIA';
    assert.deepEqual(validator.validate('search', body), [
      { path: '/message/intent/fulfillment/stops', message: 'must contain an END stop', keyword: 'contains' },
      { path: '/message/intent/fulfillment/stops/1/type', message: 'must be START or END, in either case', keyword: 'pattern' },
    ]);
  });

  it('a search stop without GPS is reported at the missing gps', () => {
    const body = example(mobilityExamples.search);
    delete body.message.intent.fulfillment.stops[0].location.gps;
    assert.deepEqual(brief(validator.validate('search', body)), [{ path: '/message/intent/fulfillment/stops/0/location/gps', keyword: 'required' }]);
  });

  it('a message that is not an object is one issue at /message', () => {
    const body = ondcSelect();
    body.message = 'select this';
    assert.deepEqual(brief(validator.validate('select', body)), [{ path: '/message', keyword: 'type' }]);
  });

  it('a body that is not an object is reported at the root', () => {
    assert.deepEqual(brief(validator.validate('search', null)), [{ path: '', keyword: 'type' }]);
  });

  it('an item without id is reported at its index', () => {
    const body = ondcSelect();
    body.message.order.items.push({ quantity: { selected: { count: 1 } } });
    assert.deepEqual(brief(validator.validate('select', body)), [{ path: '/message/order/items/1/id', keyword: 'required' }]);
  });

  it('ONDC names a wrong version and a wrong ttl at their paths', () => {
    const body = ondcSelect();
    body.context.version = '1.1.0';
    body.context.ttl = '30 seconds';
    assert.deepEqual(brief(validator.validate('select', body)), [
      { path: '/context/ttl', keyword: 'format' },
      { path: '/context/version', keyword: 'const' },
    ]);
  });

  it('ONDC fulfillment states come from its enum, nic2004:60221 keeps its own codes', () => {
    const ondcStatus = example(ondcExamples.onStatus);
    ondcStatus.message.order.fulfillments[0].state.descriptor.code = 'DRIVER_AT_PICKUP';
    assert.deepEqual(brief(validator.validate('on_status', ondcStatus)), [
      { path: '/message/order/fulfillments/0/state/descriptor/code', keyword: 'enum' },
    ]);

    const mobilityStatus = mobilityOnStatus();
    mobilityStatus.message.order.fulfillments[0].state.descriptor.code = 'DRIVER_EN_ROUTE_TO_PICKUP';
    assert.deepEqual(validator.validate('on_status', mobilityStatus), []);
    mobilityStatus.message.order.fulfillments[0].state.descriptor.code = 'RIDE_TELEPORTED';
    assert.deepEqual(brief(validator.validate('on_status', mobilityStatus)), [
      { path: '/message/order/fulfillments/0/state/descriptor/code', keyword: 'enum' },
    ]);
  });

  it('ONDC order status takes the two-step cancel values; under nic2004:60221 the core enum still holds', () => {
    const body = example(ondcExamples.onCancel);
    body.message.order.status = 'SOFT_CANCEL';
    assert.deepEqual(validator.validate('on_cancel', body), []);
    body.message.order.status = 'PAUSED';
    assert.deepEqual(brief(validator.validate('on_cancel', body)), [{ path: '/message/order/status', keyword: 'enum' }]);

    const mobilityBody = mobilityOnStatus();
    mobilityBody.message.order.status = 'SOFT_CANCEL';
    assert.deepEqual(brief(validator.validate('on_status', mobilityBody)), [{ path: '/message/order/status', keyword: 'enum' }]);
  });

  it('an ONDC cancel needs a reason from its list and SOFT_CANCEL or CONFIRM_CANCEL', () => {
    const body = ondcSelect();
    body.context.action = 'cancel';
    body.message = { order_id: 'O1', cancellation_reason_id: '005', descriptor: { code: 'SOFT_CANCEL' } };
    assert.deepEqual(validator.validate('cancel', body), []);
    body.message = { order_id: 'O1', cancellation_reason_id: '099', descriptor: { code: 'CANCEL' } };
    assert.deepEqual(brief(validator.validate('cancel', body)), [
      { path: '/message/cancellation_reason_id', keyword: 'enum' },
      { path: '/message/descriptor/code', keyword: 'enum' },
    ]);
  });

  it('status names the order as order_id or ref_id, and without either is reported at /message/order_id', () => {
    const body = example(ondcExamples.status);
    body.message = { ref_id: 'O1' };
    assert.deepEqual(validator.validate('status', body), []);
    body.message = {};
    assert.deepEqual(brief(validator.validate('status', body)), [{ path: '/message/order_id', keyword: 'required' }]);
  });

  it('a callback may carry an error instead of a message, but not neither', () => {
    const body = example(ondcExamples.onConfirmError);
    assert.deepEqual(validator.validate('on_confirm', body), []);
    delete body.error;
    assert.deepEqual(brief(validator.validate('on_confirm', body)), [{ path: '/message', keyword: 'required' }]);
  });

  it('a catalog item of the wrong type is reported deep in the catalog', () => {
    const body = example(ondcExamples.onSearch);
    body.message.catalog.providers[0].items[1].price.currency = 42;
    body.message.catalog.providers[0].fulfillments[0].vehicle.category = 'SPACESHIP';
    assert.deepEqual(brief(validator.validate('on_search', body)), [
      { path: '/message/catalog/providers/0/fulfillments/0/vehicle/category', keyword: 'enum' },
      { path: '/message/catalog/providers/0/items/1/price/currency', keyword: 'type' },
    ]);
  });
});
