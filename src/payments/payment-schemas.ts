/** The schemas that hold money tables: the rider side's and the provider side's (which alone has payouts). */
export const RIDER_PAYMENTS_SCHEMA = 'atlas_app';
export const PROVIDER_PAYMENTS_SCHEMA = 'atlas_driver_offer_bpp';
export type PaymentsSchema = typeof RIDER_PAYMENTS_SCHEMA | typeof PROVIDER_PAYMENTS_SCHEMA;
