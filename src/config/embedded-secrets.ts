import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEd25519KeyPair } from '../infra/crypto/ed25519-keys.js';

export type EmbeddedSecretName = 'ADMIN_TOKEN' | 'AUDITOR_TOKEN' | 'SIGNING_PRIVATE_KEY' | 'ENCRYPTION_KEY';

const generators: Record<EmbeddedSecretName, () => string> = {
  ADMIN_TOKEN: () => randomBytes(24).toString('base64url'),
  AUDITOR_TOKEN: () => randomBytes(24).toString('base64url'),
  SIGNING_PRIVATE_KEY: () => generateEd25519KeyPair().seed.toString('base64'),
  ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
};

/**
 * The embedded profile's secrets: taken from `<dataDir>/secrets.json` when a
 * previous start generated them, generated (and saved, owner-only) otherwise.
 * Returns the values and the names generated on this call, so the caller can
 * show them exactly once.
 */
export function loadOrCreateEmbeddedSecrets(
  dataDir: string,
  missing: EmbeddedSecretName[],
): { values: Partial<Record<EmbeddedSecretName, string>>; generated: EmbeddedSecretName[] } {
  const file = join(dataDir, 'secrets.json');
  const stored: Partial<Record<EmbeddedSecretName, string>> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<EmbeddedSecretName, string>>)
    : {};
  const generated = missing.filter((name) => stored[name] === undefined);
  for (const name of generated) stored[name] = generators[name]();
  if (generated.length > 0) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { values: Object.fromEntries(missing.map((name) => [name, stored[name]])), generated };
}
