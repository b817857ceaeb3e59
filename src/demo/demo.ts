import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DemoError, runDemo } from './run-demo.js';

/**
 * `npm run demo`: a complete ride against a running beckn-ride, by default the
 * embedded one started with `npm start` (http://127.0.0.1:$PORT). Tokens come
 * from ADMIN_TOKEN / AUDITOR_TOKEN, or from the embedded profile's generated
 * secrets in DATA_DIR/secrets.json.
 */
function secret(name: 'ADMIN_TOKEN' | 'AUDITOR_TOKEN'): string {
  const fromEnv = process.env[name];
  if (fromEnv) return fromEnv;
  const file = resolve(process.env.DATA_DIR ?? '.data', 'secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    if (stored[name]) return stored[name];
  }
  process.stderr.write(`demo: ${name} is not set and ${file} does not hold it\n`);
  process.exit(2);
}

const baseUrl = (process.env.DEMO_URL ?? process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? '8080'}`).replace(/\/+$/, '');
process.stdout.write(`beckn-ride demo against ${baseUrl}\n`);
runDemo({ baseUrl, adminToken: secret('ADMIN_TOKEN'), auditorToken: secret('AUDITOR_TOKEN'), write: (line) => process.stdout.write(`${line}\n`) }).then(
  (result) => {
    const payout = result.payout ? `payout ${result.payout.amount} ${result.payout.currency} ${result.payout.status}` : 'no payout';
    process.stdout.write(`\nDone: booking ${result.bookingId}, final fare ${result.finalFare}, payment ${result.paymentStatus}, ${payout}, ${result.messages} Beckn messages on record.\n`);
    const tokenFrom = process.env.ADMIN_TOKEN ? 'ADMIN_TOKEN' : `ADMIN_TOKEN in ${resolve(process.env.DATA_DIR ?? '.data', 'secrets.json')}`;
    process.stdout.write(`\nOperator dashboard: ${result.dashboardUrl} (sign in with the admin token, ${tokenFrom})\n`);
  },
  (error: unknown) => {
    process.stderr.write(`\ndemo failed: ${error instanceof DemoError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
