import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { QueryTypes } from 'sequelize';
import type { TestApp } from '../support/test-app.js';
import { startRideApp } from '../security/support/ride-app.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * What an app team does with the contract: generate TypeScript types from the
 * served /openapi.json (openapi-typescript), compile a program against them
 * with openapi-fetch under strict tsc, and run it against a real service.
 */
describe('a TypeScript client generated from /openapi.json (openapi-typescript + openapi-fetch)', function () {
  this.timeout(240_000);
  let app: TestApp;
  let dir: string;

  before(async () => {
    app = await startRideApp({ kafka: false });
    dir = mkdtempSync(join(tmpdir(), 'beckn-ride-client-'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    copyFileSync(fileURLToPath(new URL('./generated-client/ride-program.ts.txt', import.meta.url)), join(dir, 'ride.ts'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          strict: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          outDir: 'out',
        },
        files: ['schema.d.ts', 'ride.ts'],
      }),
    );
  });
  after(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('generates types that compile with a program making the demo rider calls, which then complete against the service: a whole ride and a cancelled one', async () => {
    const document = await (await fetch(`${app.baseUrl}/openapi.json`)).json();
    const types = astToString(await openapiTS(document as Parameters<typeof openapiTS>[0]));
    writeFileSync(join(dir, 'schema.d.ts'), types);
    for (const path of ['/rider/searches', '/rider/bookings/{id}', '/driver/ride-offers/{id}/accept']) assert.ok(types.includes(`"${path}"`), `the generated types name ${path}`);

    const compiled = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`the program does not compile against the generated types:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      },
    );
    assert.equal(compiled.stderr, '');

    const ran = await run(process.execPath, [join(dir, 'out/ride.js')], {
      cwd: dir,
      env: { PATH: process.env.PATH, BASE_URL: app.baseUrl, ADMIN_TOKEN: app.ctx.config.secrets.adminToken, BPP_SUBSCRIBER_ID: app.ctx.config.beckn.subscriberIds.bpp },
      timeout: 180_000,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the generated client's ride failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    });
    const outcome = JSON.parse(ran.stdout.trim().split('\n').at(-1) ?? '{}') as {
      bookingId: string;
      status: string;
      finalFare: string | null;
      states: string[];
      cancelled: { bookingId: string; status: string };
    };
    console.log(`      generated client ride: ${ran.stdout.trim()}`);
    assert.equal(outcome.status, 'COMPLETED');
    assert.ok(outcome.finalFare !== null && Number(outcome.finalFare) > 0, `final fare ${outcome.finalFare}`);
    assert.deepEqual(outcome.states.filter((s) => ['RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED'].includes(s)), ['RIDE_ARRIVED_PICKUP', 'RIDE_STARTED', 'RIDE_ENDED']);

    // The service agrees, read without the generated client.
    const rows = await app.ctx.sequelize.query<{ status: string }>('SELECT status FROM atlas_app.booking WHERE id = $1', { bind: [outcome.bookingId], type: QueryTypes.SELECT });
    assert.equal(rows[0]?.status, 'COMPLETED');
    assert.equal(outcome.cancelled.status, 'CANCELLED');
    const cancelledRows = await app.ctx.sequelize.query<{ status: string }>('SELECT status FROM atlas_app.booking WHERE id = $1', { bind: [outcome.cancelled.bookingId], type: QueryTypes.SELECT });
    assert.equal(cancelledRows[0]?.status, 'CANCELLED');
  });
});
