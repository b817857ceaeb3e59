import { createHash, randomUUID } from 'node:crypto';
import type { MessageRecord } from '../src/protocol/message-log/index.js';
import { loadExamples, restamp } from '../test/support/beckn-examples.js';

/**
 * `count` message records shaped as the inbound pipeline writes them, with
 * the bodies of the Beckn example messages (about 2.5 KiB on average), five
 * per transaction, a tenth of them NACKed.
 */
export function benchRecords(count: number): MessageRecord[] {
  const examples = loadExamples();
  const records: MessageRecord[] = [];
  let transactionId = randomUUID();
  const startedBase = Date.now() - 60_000;
  for (let index = 0; index < count; index += 1) {
    if (index % 5 === 0) transactionId = randomUUID();
    const example = examples[index % examples.length] as (typeof examples)[number];
    const messageId = randomUUID();
    const body = Buffer.from(JSON.stringify(restamp(example, { transaction_id: transactionId, message_id: messageId })));
    const nacked = index % 10 === 9;
    const started = new Date(startedBase + index);
    records.push({
      id: randomUUID(),
      direction: index % 2 === 0 ? 'inbound' : 'outbound',
      role: example.action.startsWith('on_') ? 'bap' : 'bpp',
      action: example.action,
      url: `https://bench.beckn-ride.example/beckn/bpp/${example.action}`,
      transaction_id: transactionId,
      message_id: messageId,
      domain: example.domain,
      city: 'std:080',
      bap_id: 'bap.bench.beckn-ride.example',
      bpp_id: 'bpp.bench.beckn-ride.example',
      sender: 'bap.bench.beckn-ride.example',
      receiver: 'bpp.bench.beckn-ride.example',
      raw_body: body.toString('utf8'),
      body_encoding: 'utf8',
      body_truncated: false,
      body_sha256: createHash('sha256').update(body).digest('hex'),
      headers: {
        authorization: `Signature keyId="bap.bench.beckn-ride.example|k1|ed25519",algorithm="ed25519",created="1",expires="2",headers="(created) (expires) digest",signature="${'A'.repeat(88)}"`,
        'content-type': 'application/json',
      },
      signature: { verdict: nacked ? 'invalid' : 'valid', key_id: 'bap.bench.beckn-ride.example|k1|ed25519', gateway_verdict: 'not_checked', gateway_key_id: null },
      ack: nacked ? 'NACK' : 'ACK',
      error_code: nacked ? '10001' : null,
      error_type: nacked ? 'POLICY-ERROR' : null,
      error_message: nacked ? 'signature does not verify' : null,
      http_status: nacked ? 401 : 200,
      duplicate: false,
      attempt: 1,
      started_at: started.toISOString(),
      finished_at: new Date(started.getTime() + 4).toISOString(),
      latency_ms: 4,
    });
  }
  return records;
}
