import assert from 'node:assert/strict';
import { parseGps, parseSearchStops } from '../../src/bpp/search/index.js';

const intent = (stops: unknown) => ({ intent: { fulfillment: { stops } } });

describe('search intent stops', () => {
  it('reads START and END in either case, gps with or without a space', () => {
    const parsed = parseSearchStops(intent([{ type: 'end', location: { gps: '12.97,77.59' } }, { type: 'Start', location: { gps: '13.0089, 77.6444' } }]));
    assert.deepEqual(parsed, { start: { lat: 13.0089, lon: 77.6444 }, end: { lat: 12.97, lon: 77.59 }, startGps: '13.0089, 77.6444', endGps: '12.97,77.59' });
  });

  it('names the path of a missing or malformed stop', () => {
    assert.deepEqual(parseSearchStops(intent([{ type: 'START', location: { gps: '12.9,77.5' } }])), {
      paths: 'message.intent.fulfillment.stops',
      message: 'no END stop',
    });
    assert.deepEqual(parseSearchStops(intent([{ type: 'START', location: { gps: '12.9,77.5' } }, { type: 'END', location: { gps: '95,77' } }])), {
      paths: 'message.intent.fulfillment.stops[1].location.gps',
      message: 'END gps must be "lat,lon"',
    });
    assert.deepEqual(parseSearchStops({}), { paths: 'message.intent.fulfillment.stops', message: 'a search needs START and END stops' });
  });

  it('refuses gps that is not two in-range decimals', () => {
    for (const gps of ['12.9', '12.9;77.5', 'a,b', '12.9,181', 12.9, null]) assert.equal(parseGps(gps), null, String(gps));
    assert.deepEqual(parseGps('-33.86,151.2'), { lat: -33.86, lon: 151.2 });
  });
});
