import type { ClickHouseClient } from '@clickhouse/client';

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Resolves when the server answers a query run in the client's database, so a
 * missing database fails the check as well as an unreachable server; rejects
 * with the cause otherwise, within `timeoutMs`.
 */
export async function checkClickHouse(client: ClickHouseClient, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  try {
    const result = await client.query({
      query: 'SELECT 1 AS ok',
      format: 'JSONEachRow',
      abort_signal: AbortSignal.timeout(timeoutMs),
    });
    await result.json();
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).trim();
    throw new Error(`ClickHouse unreachable: ${reason}`, { cause: error });
  }
}
