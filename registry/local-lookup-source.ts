import type { LookupSource } from '../src/protocol/registry-client/index.js';
import type { Registry } from './registry.js';
import { toWireRecord } from './wire-record.js';

/**
 * A lookup source for a registry running in the same process: no HTTP, but
 * the same wire records, so the client normalises them as it would a remote
 * answer.
 */
export function localLookupSource(registry: Pick<Registry, 'lookup'>): LookupSource {
  return async (filter) => (await registry.lookup(filter)).map(toWireRecord);
}
