/**
 * Readiness probe for scripts/services.sh: exits 0 once the Kafka cluster at
 * BROKERS answers a metadata request, 1 if it has not within TIMEOUT_MS.
 * Usage: node --import tsx scripts/kafka-ready.ts BROKERS [TIMEOUT_MS]
 */
import { checkKafka, createKafka } from '../src/infra/kafka/index.js';
import { createLogger } from '../src/infra/logging/logger.js';

const [brokers = '127.0.0.1:9092', timeoutArg = '5000'] = process.argv.slice(2);
const timeoutMs = Number(timeoutArg);
const deadline = Date.now() + timeoutMs;

// kafkajs' own retry chatter would drown the one line services.sh prints.
const kafka = createKafka({ brokers: brokers.split(','), clientId: 'beckn-ride-services', logger: createLogger('silent') });

let lastError = 'no attempt made';
while (Date.now() < deadline) {
  const admin = kafka.admin();
  try {
    await checkKafka(admin, Math.max(1_000, Math.min(5_000, deadline - Date.now())));
    await admin.disconnect();
    process.exit(0);
  } catch (error) {
    lastError = error instanceof Error ? error.message : String(error);
    await admin.disconnect().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
process.stderr.write(`kafka at ${brokers} not ready after ${timeoutMs} ms: ${lastError}\n`);
process.exit(1);
