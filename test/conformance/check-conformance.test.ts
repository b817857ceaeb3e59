import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConformance, conformanceActions } from '../../src/protocol/conformance/index.js';
import { examplesRoot } from '../protocol/beckn-examples.js';

const examples = join(examplesRoot, 'ondc-trv10-2.0.1');
const specExample = (action: string, file: string): any => JSON.parse(readFileSync(`${examples}/${action}/${file}`, 'utf8'));
const onStatusExample = () => specExample('on_status', 'Return_order_with_status_-_Driver_at_pickup___X18.json');
const onSelectExample = () => specExample('on_select', 'Return_a_quote_offered_by_a_provider___X17.json');

describe('conformance checker (ONDC TRV10 2.0.1 attribute lists)', () => {
  it('its data file is what the generator derives from the spec build today', function () {
    this.timeout(60_000);
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/generate-conformance-attributes.ts', '--check'], { stdio: 'pipe' });
    assert.deepEqual(conformanceActions(), ['cancel', 'confirm', 'init', 'on_cancel', 'on_confirm', 'on_init', 'on_search', 'on_select', 'on_status', 'on_update', 'search', 'select', 'status', 'update']);
  });

  it("passes the spec's own on_select example and names each mandatory attribute removed from it", () => {
    assert.deepEqual(checkConformance('on_select', onSelectExample()), []);
    const body = onSelectExample();
    delete body.message.order.quote.breakup[1].title;
    delete body.message.order.provider;
    delete body.context.bpp_uri;
    assert.deepEqual(checkConformance('on_select', body), [
      'context.bpp_uri',
      'message.order.provider',
      'message.order.quote.breakup[1].title',
    ]);
  });

  it('walks every array element and reports missing tag groups and list codes', () => {
    const body = onSelectExample();
    const items = body.message.order.items;
    items[0].tags = items[0].tags.filter((tag: any) => tag.descriptor.code !== 'FARE_POLICY');
    const info = items[items.length - 1].tags.find((tag: any) => tag.descriptor.code === 'INFO');
    info.list = info.list.filter((entry: any) => entry.descriptor.code !== 'ETA_TO_NEAREST_DRIVER_MIN');
    body.message.order.fulfillments[0].tags = [];
    const missing = checkConformance('on_select', body);
    assert.ok(missing.includes('message.order.items[0].tags[FARE_POLICY]'), missing.join('\n'));
    assert.ok(missing.includes(`message.order.items[${items.length - 1}].tags[INFO].list[ETA_TO_NEAREST_DRIVER_MIN]`), missing.join('\n'));
    assert.ok(missing.includes('message.order.fulfillments[0].tags[ROUTE_INFO]'), missing.join('\n'));
  });

  it("requires the driver (agent, phone, vehicle details) once assigned, and payment params of a payment the BPP collects", () => {
    const body = onStatusExample();
    const fulfillment = body.message.order.fulfillments[0];
    delete fulfillment.agent.contact.phone;
    delete fulfillment.vehicle.registration;
    const payment = body.message.order.payments[0];
    payment.collected_by = 'BPP';
    delete payment.params;
    const missing = checkConformance('on_status', body);
    assert.ok(missing.includes('message.order.fulfillments[0].agent.contact.phone'), missing.join('\n'));
    assert.ok(missing.includes('message.order.fulfillments[0].vehicle.registration'), missing.join('\n'));
    assert.ok(missing.includes('message.order.payments[0].params'), missing.join('\n'));

    payment.collected_by = 'BAP';
    fulfillment.state.descriptor.code = 'RIDE_CONFIRMED';
    delete fulfillment.agent;
    const beforeAssignment = checkConformance('on_status', body);
    assert.ok(!beforeAssignment.some((path) => path.includes('agent') || path.includes('params') || path.includes('registration')), beforeAssignment.join('\n'));
  });

  it('does not require optional objects (stop authorization) or optional attributes (price range)', () => {
    const body = onStatusExample();
    for (const stop of body.message.order.fulfillments[0].stops) delete stop.authorization;
    body.message.order.items[0].price = { currency: 'INR', value: '100' };
    assert.ok(!checkConformance('on_status', body).some((path) => path.includes('authorization') || path.includes('maximum_value')));
  });

  it('core mobility (nic2004:60221): context.ttl optional and no ONDC tag groups; ONDC keeps both', () => {
    const body = onSelectExample();
    delete body.context.ttl;
    body.message.order.items[0].tags = [];
    assert.deepEqual(checkConformance('on_select', { ...body, context: { ...body.context, domain: 'nic2004:60221', version: '1.1.0' } }), []);
    assert.deepEqual(checkConformance('on_select', body), ['context.ttl', 'message.order.items[0].tags[FARE_POLICY]', 'message.order.items[0].tags[INFO]']);
  });

  it('holds on_track, on_support, on_rating and error callbacks to the context every callback shares', () => {
    const body = specExample('on_support', 'Return_support_information_related_to_an_order___X22.json');
    assert.deepEqual(checkConformance('on_support', body), []);
    delete body.context.bpp_id;
    delete body.context.location.city;
    assert.deepEqual(checkConformance('on_support', body), ['context.bpp_id', 'context.location.city']);
    const error = { context: { ...onSelectExample().context }, error: { code: '90203', message: 'Driver not assigned' } };
    assert.deepEqual(checkConformance('on_confirm', error), []);
    delete error.context.message_id;
    assert.deepEqual(checkConformance('on_confirm', error), ['context.message_id']);
  });
});
