/**
 * Fulfillment state codes (`fulfillments[].state.descriptor.code`) in the
 * vocabularies beckn-ride speaks. The ONDC:TRV10 names are canonical
 * (PROFILE.md, Vocabulary); the Beckn mobility domain nic2004:60221 names
 * three of them otherwise (DIGEST.md §2.3) and shares the rest. Code works in
 * ONDC names, emits with toDomainState and reads with fromDomainState.
 * Listed in ride order, RIDE_CANCELLED last (the audit reads the order).
 */
export const ONDC_FULFILLMENT_STATES = [
  'RIDE_CONFIRMED',
  'RIDE_ASSIGNED',
  'RIDE_ENROUTE_PICKUP',
  'RIDE_ARRIVED_PICKUP',
  'RIDE_STARTED',
  'RIDE_ENDED',
  'RIDE_CANCELLED',
] as const;
export type OndcFulfillmentState = (typeof ONDC_FULFILLMENT_STATES)[number];

export const MOBILITY_DOMAIN = 'nic2004:60221';

/**
 * The Beckn mobility names of the ONDC states that have their own. RIDE_CONFIRMED
 * has no mobility twin and keeps its ONDC name, which that profile accepts.
 */
const mobilityNames: Readonly<Partial<Record<OndcFulfillmentState, string>>> = {
  RIDE_ASSIGNED: 'DRIVER_EN_ROUTE',
  RIDE_ENROUTE_PICKUP: 'DRIVER_EN_ROUTE_TO_PICKUP',
  RIDE_ARRIVED_PICKUP: 'DRIVER_AT_PICKUP',
};

const vocabularies: Readonly<Record<string, Readonly<Partial<Record<OndcFulfillmentState, string>>>>> = {
  [MOBILITY_DOMAIN]: mobilityNames,
};

/** Every domain name read back to its ONDC state, whichever domain it came from. */
const toOndc: ReadonlyMap<string, OndcFulfillmentState> = new Map(
  Object.values(vocabularies).flatMap((names) => Object.entries(names).map(([ondc, name]) => [name, ondc as OndcFulfillmentState] as const)),
);

/** The code a message of `domain` carries for an ONDC state. */
/** True when `domain` names its states otherwise than ONDC:TRV10 (only then is there anything to rename). */
export function hasOwnVocabulary(domain: string | undefined): boolean {
  return domain !== undefined && Object.hasOwn(vocabularies, domain);
}

export function toDomainState(domain: string | undefined, state: OndcFulfillmentState): string {
  return (domain !== undefined ? vocabularies[domain]?.[state] : undefined) ?? state;
}

/**
 * The ONDC state a received code names. Either vocabulary is accepted
 * whatever the message's domain (peers mix them), in any case and with
 * surrounding blanks; a code that is no fulfillment state of either, such as
 * the mobility PAYMENT_COLLECTED, gives null.
 */
export function fromDomainState(_domain: string | undefined, code: unknown): OndcFulfillmentState | null {
  if (typeof code !== 'string') return null;
  const upper = code.trim().toUpperCase();
  if ((ONDC_FULFILLMENT_STATES as readonly string[]).includes(upper)) return upper as OndcFulfillmentState;
  return toOndc.get(upper) ?? null;
}
