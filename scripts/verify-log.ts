/**
 * Checks an export of the message log against the checkpoints the operator
 * kept: every checkpoint's signature (by the service's Ed25519 public key),
 * its tree recomputed from the export, and the consistency proofs between
 * successive checkpoints of a period. Prints one line per problem, then a
 * summary; exits 0 when none is found, 1 when some are, 2 on a usage error.
 * Usage: npm run verify-log -- --export FILE.ndjson --checkpoints DIR_OR_FILE [--checkpoints ...] --public-key BASE64
 * The export is GET /audit/export?format=ndjson over whole months (from the first of a month).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { checkpointPeriods, parseCheckpointLines, verifyLog, type Checkpoint, type ExportedRecord, type LogProblem } from '../src/audit/transparency/index.js';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run verify-log -- --export FILE.ndjson --checkpoints DIR_OR_FILE --public-key BASE64\n`);
  process.exit(2);
}

async function readExport(path: string): Promise<ExportedRecord[]> {
  const records: ExportedRecord[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as ExportedRecord);
    } catch {
      usage(`${path}:${number} is not a JSON line of an NDJSON export`);
    }
  }
  return records;
}

async function readCheckpointPath(path: string): Promise<Checkpoint[]> {
  if (!(await stat(path)).isDirectory()) return parseCheckpointLines(await readFile(path, 'utf8'));
  const checkpoints: Checkpoint[] = [];
  for (const period of await checkpointPeriods(path)) checkpoints.push(...parseCheckpointLines(await readFile(join(path, `${period}.jsonl`), 'utf8')));
  return checkpoints;
}

function describe(problem: LogProblem): string {
  const { kind, ...fields } = problem;
  return [kind, ...Object.entries(fields).map(([name, value]) => `${name}=${String(value)}`)].join(' ');
}

const { values } = parseArgs({
  options: { export: { type: 'string' }, checkpoints: { type: 'string', multiple: true }, 'public-key': { type: 'string' } },
  strict: true,
});
if (values.export === undefined) usage('--export is required');
if (values.checkpoints === undefined || values.checkpoints.length === 0) usage('--checkpoints is required');
const publicKey = values['public-key'];
if (publicKey === undefined || Buffer.from(publicKey, 'base64').length !== 32) usage('--public-key must be the base64 of a 32-byte Ed25519 public key');

try {
  const records = await readExport(values.export);
  const checkpoints = (await Promise.all(values.checkpoints.map(readCheckpointPath))).flat();
  const result = verifyLog(records, checkpoints, publicKey);
  for (const problem of result.problems) process.stdout.write(`${describe(problem)}\n`);
  process.stdout.write(
    `${result.problems.length === 0 ? 'OK' : 'PROBLEMS'}: ${result.records} records, ${result.checkpoints} checkpoints, ` +
      `${result.confirmed} confirmed, ${result.problems.length} problems\n`,
  );
  process.exit(result.problems.length === 0 ? 0 : 1);
} catch (error) {
  usage((error as Error).message);
}
