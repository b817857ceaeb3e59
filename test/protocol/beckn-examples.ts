import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The official example payloads, in the shared folder checked out beside the repository. */
export const examplesRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared/beckn/examples');
export const exampleSets = ['ondc-trv10-2.0.1', 'beckn-mobility-1.1.0'] as const;

// Example payloads are edited freely in tests, so they are typed loosely.
export type Json = Record<string, any>;

export function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? jsonFiles(join(dir, entry.name)) : entry.name.endsWith('.json') ? [join(dir, entry.name)] : []))
    .sort();
}

/** A fresh copy of an example, by its path under the examples folder. */
export function example(file: string): Json {
  return JSON.parse(readFileSync(join(examplesRoot, file), 'utf8')) as Json;
}

export const ondcExamples = {
  search: 'ondc-trv10-2.0.1/search/Search_for_mobility_services_by_pickup_and_drop_location_Buyer_Collecting____X2.json',
  select: 'ondc-trv10-2.0.1/select/Get_quote_for_a_specific_product_from_a_mobility_catalog___X3.json',
  status: 'ondc-trv10-2.0.1/status/Get_latest_fulfillment_status_of_a_booking___X29.json',
  onSearch: 'ondc-trv10-2.0.1/on_search/Return_a_mobility_catalog_Buyer_Collecting____X16.json',
  onStatus: 'ondc-trv10-2.0.1/on_status/on_status_ride_provider_provides_the_updated_order_status_to_the_buyer_app_1.json',
  onCancel: 'ondc-trv10-2.0.1/on_cancel/cancel_after_confirm.json',
  onConfirmError: 'ondc-trv10-2.0.1/on_confirm/ride_cancelled.json',
};

export const mobilityExamples = {
  search: 'beckn-mobility-1.1.0/search/search-by-pickup-and-drop-with-localization.json',
  onStatus: 'beckn-mobility-1.1.0/status/on_status_ride_started.json',
};

/** The ONDC select example with its ttl written as a valid duration (the original P120S is not), so only the edit under test fails. */
export function ondcSelect(): Json {
  const body = example(ondcExamples.select);
  body.context.ttl = 'PT120S';
  return body;
}

/** The Beckn mobility on_status example with area_code as the string core asks for, so only the edit under test fails. */
export function mobilityOnStatus(): Json {
  const body = example(mobilityExamples.onStatus);
  for (const stop of body.message.order.fulfillments[0].stops as Json[]) stop.location.area_code = String(stop.location.area_code);
  return body;
}
