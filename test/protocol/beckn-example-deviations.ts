/**
 * Official example payloads that break the spec they illustrate. The schemas
 * are not loosened for them; each deviation names the files, the issue it
 * explains and why, and the example test fails if a listed issue stops
 * occurring (the entry is stale) or an unlisted one appears.
 */
export interface KnownDeviation {
  /** Which rule the examples break, and how. */
  reason: string;
  /** Example files, relative to the shared examples folder. */
  files: readonly string[];
  path: RegExp;
  keyword: string;
}

const mobility = (file: string) => `beckn-mobility-1.1.0/${file}`;

export const knownDeviations: readonly KnownDeviation[] = [
  {
    reason: 'core 1.1.0: Location.area_code is a string; the Beckn mobility examples write the number 560061',
    files: [
      'cancel/on_cancel_by_driver.json',
      'cancel/on_cancel_by_rider.json',
      'confirm/confirm.json',
      'init/init.json',
      'search/on_search_with_tags.json',
      'select/on_select.json',
      'select/select_with_gps_and_address.json',
      'select/select_with_localization.json',
      'status/on_status_driver_at_pickup.json',
      'status/on_status_ride_ended.json',
      'status/on_status_ride_started.json',
      'update/on_update.json',
    ].map(mobility),
    path: /\/location\/area_code$/,
    keyword: 'type',
  },
  {
    reason: 'core 1.1.0: Descriptor.images holds Image objects; this catalog lists bare URL strings',
    files: [mobility('search/on_search_multiple_provider.json')],
    path: /\/descriptor\/images\/\d+$/,
    keyword: 'type',
  },
  {
    reason: 'core 1.1.0: Fulfillment.id is a string; this catalog numbers the second provider\'s fulfillments 1 and 2',
    files: [mobility('search/on_search_multiple_provider.json')],
    path: /^\/message\/catalog\/providers\/\d+\/fulfillments\/\d+\/id$/,
    keyword: 'type',
  },
  {
    reason:
      'nic2004:60221 profile: context.transaction_id is required (the Beckn mobility spec lists it in Context.required; beckn-ride keys a booking on it); these examples leave it out',
    files: ['cancel/cancel-with-user-reason.json', 'rating/on_rating.json', 'support/on_support.json', 'track/on_track.json'].map(mobility),
    path: /^\/context\/transaction_id$/,
    keyword: 'required',
  },
  {
    reason: 'both profiles: ttl is an ISO 8601 duration (PROFILE.md); "P120S" lacks the T designator (PT120S)',
    files: [
      'ondc-trv10-2.0.1/select/Get_quote_for_a_specific_product_from_a_mobility_catalog___X3.json',
      mobility('select/select_with_gps_and_address.json'),
      mobility('select/select_with_localization.json'),
    ],
    path: /^\/context\/ttl$/,
    keyword: 'format',
  },
  {
    reason: 'ONDC:TRV10 profile: cancellation_reason_id comes from the ONDC list ("000" to "014"); ONDC\'s own cancel example sends "7" from the Beckn meta list',
    files: ['ondc-trv10-2.0.1/cancel/Initiates_cancelling_a_ride_with_confirm_cancel_status___X5.json'],
    path: /^\/message\/cancellation_reason_id$/,
    keyword: 'enum',
  },
];
