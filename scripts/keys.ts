/**
 * Prints a new Ed25519 signing key pair and X25519 encryption key pair for a
 * beckn-ride subscriber: environment lines to paste, then the public values
 * of its registry record. Keys are printed once and written nowhere.
 * Usage: npm run keys
 */
import { generateEncryptionKeyPair, generateSigningKeyPair } from '../src/protocol/signing/index.js';

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
