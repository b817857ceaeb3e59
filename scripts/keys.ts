/**
 * Prints a new Ed25519 signing key pair and X25519 encryption key pair for a
 * beckn-ride subscriber: environment lines to paste, then the public values
 * of its registry record. Keys are printed once and written nowhere.
 * Usage: npm run keys
 *
 * With the service's environment, it also manages the keys at the registry:
 *   npm run keys -- subscribe   join through the subscribe handshake (on_subscribe challenge)
 *   npm run keys -- rotate [--overlap-seconds N] [--valid-days N]
 *                               new signing key registered beside the old one; the service switches to it
 *   npm run keys -- retire      keys past their valid_until: EXPIRED at the registry, removed from KEYS_FILE
 */
import { ConfigError } from '../src/config/index.js';
import { generateEncryptionKeyPair, generateSigningKeyPair } from '../src/protocol/signing/index.js';
import { commandContext, KeyCommandError, retire, rotate, subscribe } from './key-commands.js';

const [command, ...args] = process.argv.slice(2);
if (command !== undefined) {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const option = (name: string): number | undefined => {
    const index = args.indexOf(name);
    if (index < 0) return undefined;
    const value = Number(args[index + 1]);
    if (!Number.isSafeInteger(value) || value < 1) throw new KeyCommandError(`${name} needs a whole number >= 1`);
    return value;
  };
  try {
    const ctx = commandContext(say);
    if (command === 'rotate') {
      const overlapSeconds = option('--overlap-seconds');
      const validDays = option('--valid-days');
      await rotate(ctx, { ...(overlapSeconds === undefined ? {} : { overlapSeconds }), ...(validDays === undefined ? {} : { validDays }) });
    } else if (command === 'retire') {
      const retired = await retire(ctx);
      if (retired.length === 0) say('no key is past its valid_until');
    } else if (command === 'subscribe') {
      const statuses = await subscribe(ctx);
      if (Object.values(statuses).some((status) => status !== 'SUBSCRIBED')) process.exitCode = 1;
    } else {
      throw new KeyCommandError(`unknown command ${command}: use rotate, retire or subscribe (or nothing, to print new keys)`);
    }
  } catch (error) {
    if (!(error instanceof KeyCommandError || error instanceof ConfigError)) throw error;
    process.stderr.write(`keys ${command}: ${error.message}\n`);
    process.exitCode = 1;
  }
  process.exit();
}

const signing = generateSigningKeyPair();
const encryption = generateEncryptionKeyPair();

const lines = [
  `# beckn-ride keys generated ${new Date().toISOString()}; printed only, nothing was saved.`,
  '',
  '# --- Environment (secrets: keep out of version control) ---',
  '# Ed25519 signing private key, 32-byte seed (base64):',
  `SIGNING_PRIVATE_KEY=${signing.privateKeySeed}`,
  '# The same signing key as the 64-byte seed+public form (libsodium/ONDC tools); either form is accepted:',
  `#SIGNING_PRIVATE_KEY=${signing.privateKeyWithPublic}`,
  '# X25519 encryption private key (registry on_subscribe challenge), raw 32 bytes (base64):',
  `X25519_PRIVATE_KEY=${encryption.privateKey}`,
  '# The same X25519 private key as PKCS#8 DER (base64), the form ONDC tools read:',
  `#X25519_PRIVATE_KEY=${encryption.privateKeyDer}`,
  '',
  '# --- Registry record (public) ---',
  '# Ed25519 signing public key, raw 32 bytes (base64):',
  `signing_public_key=${signing.publicKey}`,
  '# X25519 encryption public key, SubjectPublicKeyInfo DER (base64), as ONDC registries want it:',
  `encr_public_key=${encryption.publicKeyDer}`,
  '# The same encryption public key as raw 32 bytes (base64), for registries that use that form:',
  `#encr_public_key=${encryption.publicKey}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
