/** A domain profile beckn-ride speaks: the pair (context.domain, context.version). */
export interface BecknProfile {
  id: 'ONDC:TRV10@2.0.1' | 'nic2004:60221@1.1.0';
  domain: string;
  version: string;
}

export const supportedProfiles: readonly BecknProfile[] = [
  { id: 'ONDC:TRV10@2.0.1', domain: 'ONDC:TRV10', version: '2.0.1' },
  { id: 'nic2004:60221@1.1.0', domain: 'nic2004:60221', version: '1.1.0' },
];

// Folder under beckn-schemas/profiles/ and $id segment of each profile's layer.
const layerFolders: Record<BecknProfile['id'], string> = {
  'ONDC:TRV10@2.0.1': 'ondc-trv10-2.0.1',
  'nic2004:60221@1.1.0': 'nic2004-60221-1.1.0',
};

export const schemaIdBase = 'https://beckn-ride.dev/schemas/';

export function coreSchemaId(action: string): string {
  return `${schemaIdBase}core/1.1.0/${action}.json`;
}

export function profileSchemaId(profile: BecknProfile, action: string): string {
  return `${schemaIdBase}profiles/${layerFolders[profile.id]}/${action}.json`;
}

/**
 * The profile a message claims. 0.9-style senders put the version in
 * `core_version`, so it stands in when `version` is absent.
 */
export function profileOf(context: { domain?: unknown; version?: unknown; core_version?: unknown }): BecknProfile | undefined {
  const version = context.version ?? context.core_version;
  return supportedProfiles.find((profile) => profile.domain === context.domain && profile.version === version);
}

/** The profile whose layer applies to a domain, whatever version the message claims (the layer then reports the version). */
export function profileForDomain(domain: unknown): BecknProfile | undefined {
  return supportedProfiles.find((profile) => profile.domain === domain);
}
