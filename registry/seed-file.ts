import { readFile } from 'node:fs/promises';
import { parseSubscriberInput, type SubscriberRecordInput } from './subscriber-input.js';

/** A seed file that cannot be loaded; the message names the file, the record and the reason. */
export class RegistrySeedError extends Error {
  override readonly name = 'RegistrySeedError';
}

/**
 * Reads a seed file: a JSON array of subscriber records in either naming
 * style (a lookup answer can be saved and replayed as is). The first bad
 * record stops the load, so a typo never boots a registry missing a key.
 */
export async function readSeedFile(path: string): Promise<SubscriberRecordInput[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RegistrySeedError(`registry seed file ${path} cannot be read: ${(error as Error).message}`);
  }
  let records: unknown;
  try {
    records = JSON.parse(text);
  } catch (error) {
    throw new RegistrySeedError(`registry seed file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(records)) throw new RegistrySeedError(`registry seed file ${path} must hold a JSON array of subscriber records`);

  const seen = new Set<string>();
  return records.map((raw, index) => {
    const parsed = parseSubscriberInput(raw);
    if (!parsed.ok) throw new RegistrySeedError(`registry seed file ${path}, record at index ${index}: ${parsed.problems.join('; ')}`);
    const keyId = `${parsed.input.subscriberId}|${parsed.input.uniqueKeyId}`;
    if (seen.has(keyId)) throw new RegistrySeedError(`registry seed file ${path}, record at index ${index}: key ${keyId} appears twice`);
    seen.add(keyId);
    return parsed.input;
  });
}
