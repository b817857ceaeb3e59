import type { Admin } from 'kafkajs';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Resolves once the cluster answers a metadata request with at least one broker;
 * rejects with a message naming the cause when it does not within `timeoutMs`.
 * The timeout matters because kafkajs keeps retrying a refused connection.
 */
export async function checkKafka(admin: Admin, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const probe = (async () => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('the cluster reported no brokers');
  })();
  // A probe still retrying after the timeout must not surface later as an unhandled rejection.
  probe.catch(() => undefined);

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe, timeout]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Kafka cluster unreachable: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
