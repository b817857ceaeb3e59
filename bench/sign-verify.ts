/**
 * Sign and verify throughput of the Beckn signature path, native (node:crypto)
 * against noble. Each operation is the whole header step on a ~1 KiB body:
 * BLAKE2b digest, signing string, Ed25519, header build or parse.
 * Alone: node --import tsx bench/sign-verify.ts [durationMs]
 */
import { pathToFileURL } from 'node:url';
import {
  type Ed25519Impl,
  createSigner,
  generateSigningKeyPair,
  nativeEd25519,
  parseAuthorizationHeader,
  verifyParsedAuthorization,
} from '../src/protocol/signing/index.js';
import { nobleEd25519 } from '../test/support/noble-ed25519.js';

export interface SignVerifyResult {
  impl: 'native' | 'noble';
  op: 'sign' | 'verify';
  opsPerSecond: number;
}

const nowSeconds = 1_750_000_000;

function benchBody(): Uint8Array {
  const stop = { id: 'stop-1', location: { gps: '12.9716, 77.5946' }, type: 'START', note: 'गेट के पास' };
  const intent = { fulfillment: { stops: Array.from({ length: 6 }, (_, i) => ({ ...stop, id: `stop-${i}` })) } };
  const json = JSON.stringify({ context: { action: 'search', domain: 'ONDC:TRV10', bap_id: 'rider.example.in' }, message: { intent } });
  return new Uint8Array(Buffer.from(json.padEnd(1024, ' '), 'utf8'));
}

/** Runs `op` in batches until `durationMs` has passed; returns operations per second. */
function measure(op: () => void, durationMs: number): number {
  const batch = 16;
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < batch; i++) op();
    count += batch;
    elapsed = performance.now() - start;
  }
  return (count * 1000) / elapsed;
}

/** Measures each of the four operations for `durationMs`, after a warm-up of a fifth of that. */
export async function benchSignVerify(durationMs: number): Promise<SignVerifyResult[]> {
  const body = benchBody();
  const pair = generateSigningKeyPair();
  const key = { subscriberId: 'bench.example.in', uniqueKeyId: 'bench-1', privateKey: pair.privateKeyWithPublic };
  const impls: [SignVerifyResult['impl'], Ed25519Impl][] = [
    ['native', nativeEd25519],
    ['noble', nobleEd25519],
  ];
  const results: SignVerifyResult[] = [];
  for (const [impl, ed25519] of impls) {
    // The native signer keeps its KeyObject, as the service's does.
    const signer = impl === 'native' ? createSigner(key) : createSigner(key, { ed25519 });
    const header = signer.sign(body, { nowSeconds });
    const sign = (): void => {
      signer.sign(body, { nowSeconds });
    };
    const verify = (): void => {
      const verdict = verifyParsedAuthorization(parseAuthorizationHeader(header), body, pair.publicKey, { nowSeconds, ed25519 });
      if (!verdict.ok) throw new Error(`bench signature did not verify: ${verdict.detail}`);
    };
    for (const [op, run] of [['sign', sign], ['verify', verify]] as const) {
      measure(run, durationMs / 5);
      results.push({ impl, op, opsPerSecond: Math.round(measure(run, durationMs)) });
      // Yield between measurements so a caller's timers and I/O are not starved.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const durationMs = Number(process.argv[2] ?? 2000);
  const results = await benchSignVerify(durationMs);
  const rows = results.map((r) => `${r.impl.padEnd(8)}${r.op.padEnd(8)}${String(r.opsPerSecond).padStart(10)}`);
  process.stdout.write(`${'impl'.padEnd(8)}${'op'.padEnd(8)}${'ops/s'.padStart(10)}\n${rows.join('\n')}\n`);
}
