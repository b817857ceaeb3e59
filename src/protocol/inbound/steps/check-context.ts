import { NackError } from '../../errors/index.js';
import { profileOf } from '../../schemas/index.js';
import { cityOf, sameUrl, type BecknContext } from '../beckn-context.js';
import { parseIsoDuration } from '../iso-duration.js';
import { namedStep, type Step } from './step.js';

const contextOf = (context: BecknContext | undefined): BecknContext => context ?? {};

/** The action, domain/version profile and city of the message are ones we serve. */
export const checkEnvelope: Step = (message, deps) => {
  const context = contextOf(message.context);
  if (context.action !== message.action) {
    throw new NackError('CONTEXT_INVALID', `context.action ${String(context.action)} does not match the called action ${message.action}`, '/context/action');
  }
  if (!profileOf(context)) {
    throw new NackError('CONTEXT_INVALID', `domain ${String(context.domain)} with version ${String(context.version ?? context.core_version)} is not supported`, '/context/domain');
  }
  const city = cityOf(context);
  const { cities } = deps.settings;
  if (cities.length > 0 && (city === undefined || !cities.includes(city))) {
    throw new NackError('CITY_NOT_SUPPORTED', `city ${String(city)} is not served`, '/context/location/city/code');
  }
};

/** The ttl of a Beckn core 1.1.0 message that names none, unless the settings give another (BECKN_DEFAULT_TTL). */
export const CORE_DEFAULT_TTL = 'PT30S';

/** Profiles whose context.ttl is optional: Beckn core 1.1.0 (nic2004:60221). ONDC:TRV10 requires it, as ONDC does. */
const ttlOptional = new Set(['nic2004:60221@1.1.0']);

/**
 * The message is valid from its timestamp for its ttl (PROFILE.md), allowing
 * the configured clock skew. A message of a profile where ttl is optional and
 * that names none is held to the default ttl.
 */
export const checkTimeWindow: Step = (message, deps) => {
  const context = contextOf(message.context);
  const profile = profileOf(context);
  const ttl = context.ttl ?? (profile && ttlOptional.has(profile.id) ? (deps.settings.defaultTtl ?? CORE_DEFAULT_TTL) : undefined);
  const ttlMs = parseIsoDuration(ttl ?? '');
  if (ttlMs === null || ttlMs <= 0) throw new NackError('CONTEXT_INVALID', `ttl ${String(context.ttl)} is not an ISO-8601 duration`, '/context/ttl');
  const sentAt = Date.parse(context.timestamp ?? '');
  if (Number.isNaN(sentAt)) throw new NackError('CONTEXT_INVALID', 'timestamp is not an RFC 3339 date-time', '/context/timestamp');
  const now = deps.clock().getTime();
  const skewMs = deps.settings.clockSkewSeconds * 1000;
  if (sentAt > now + skewMs) throw new NackError('STALE_REQUEST', 'timestamp is in the future', '/context/timestamp');
  if (now > sentAt + ttlMs + skewMs) throw new NackError('STALE_REQUEST', `message expired: timestamp plus ttl ${String(ttl)} has passed`, '/context/timestamp');
};

/**
 * The sender's URI in the context must be the subscriber_url the registry
 * holds for the signer, so we never call back an address a message made up.
 */
function senderUriIsRegistered(field: 'bap_uri' | 'bpp_uri'): Step {
  return (message) => {
    if (!sameUrl(contextOf(message.context)[field], message.signer?.subscriberUrl)) {
      throw new NackError('CONTEXT_INVALID', `${field} differs from the subscriber_url registered for its sender`, `/context/${field}`);
    }
  };
}

export const checkBapUri = namedStep('checkBapUri', senderUriIsRegistered('bap_uri'));
export const checkBppUri = namedStep('checkBppUri', senderUriIsRegistered('bpp_uri'));

/** A request names this BPP (search may name none, when broadcast). */
export const checkAddressedToProvider: Step = (message, deps) => {
  const context = contextOf(message.context);
  const us = deps.settings.identities.bpp;
  if (message.action !== 'search' && context.bpp_id === undefined) throw new NackError('CONTEXT_INVALID', 'bpp_id is required', '/context/bpp_id');
  if (context.bpp_id !== undefined && context.bpp_id !== us.subscriberId) throw new NackError('CONTEXT_INVALID', `bpp_id ${context.bpp_id} is not this BPP`, '/context/bpp_id');
  if (context.bpp_uri !== undefined && !sameUrl(context.bpp_uri, us.subscriberUrl)) throw new NackError('CONTEXT_INVALID', 'bpp_uri is not this BPP', '/context/bpp_uri');
};

/** A callback is for this BAP. */
export const checkAddressedToConsumer: Step = (message, deps) => {
  const context = contextOf(message.context);
  const us = deps.settings.identities.bap;
  if (context.bap_id !== us.subscriberId) throw new NackError('CONTEXT_INVALID', `bap_id ${String(context.bap_id)} is not this BAP`, '/context/bap_id');
  if (!sameUrl(context.bap_uri, us.subscriberUrl)) throw new NackError('CONTEXT_INVALID', 'bap_uri is not this BAP', '/context/bap_uri');
};
