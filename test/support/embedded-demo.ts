import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServiceProcess, type ServiceProcess } from './service-process.js';
import { waitUntil } from './wait-until.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `npm start` on the embedded profile in `dataDir`, resolved once the demo network is seeded (the line that invites `npm run demo`). */
export async function startEmbeddedDemoService(dataDir: string): Promise<ServiceProcess> {
  // PORT=0: the service picks its port before its roles register their URLs.
  const service = await startServiceProcess({ PORT: '0', DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '10000' });
  await waitUntil('the demo network is seeded', () => service.output().includes('Demo operator and simulated drivers are ready'), { timeoutMs: 120_000, intervalMs: 200 }).catch(
    (error: Error) => {
      throw new Error(`${error.message}:\n${service.output()}`);
    },
  );
  return service;
}

/** A secret the embedded start printed on its first run (`  ADMIN_TOKEN=...`), as a user copies it from the terminal. */
export function printedSecret(service: ServiceProcess, name: 'ADMIN_TOKEN' | 'AUDITOR_TOKEN'): string {
  const value = new RegExp(`^\\s+${name}=(\\S+)$`, 'm').exec(service.output())?.[1];
  if (!value) throw new Error(`the service did not print ${name}:\n${service.output()}`);
  return value;
}

/** `npm run demo` against the service, finding its tokens in `dataDir` as a second terminal would. */
export function runDemoProcess(service: ServiceProcess, dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/demo.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DEMO_URL: service.baseUrl, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** SIGTERM, then waits for the exit (a no-op when the process is gone already). */
export async function stopServiceProcess(service: ServiceProcess | undefined): Promise<void> {
  if (service?.child.exitCode === null) {
    service.child.kill('SIGTERM');
    await service.exited;
  }
}
