import { isBecknAction, isCallbackAction } from '../../protocol/schemas/index.js';
import { idsOf, type Finding, type LogicalMessage, type RuleContext } from './conformance-facts.js';

/** A request still inside its ttl with no callback yet: not a finding, listed apart. */
export interface PendingRequest {
  action: string;
  message_id: string;
  deadline: string;
  record_ids: string[];
}

/** Callbacks a provider may send on its own, each with a fresh message_id (PROFILE.md, Ids). */
const unsolicited = new Set(['on_status', 'on_update', 'on_cancel', 'on_track']);

const isRequest = (message: LogicalMessage) => isBecknAction(message.action) && !isCallbackAction(message.action);
const isCallback = (message: LogicalMessage) => isBecknAction(message.action) && isCallbackAction(message.action);

function deadlineOf(request: LogicalMessage): number | null {
  const { timestampMs, ttlMs } = request.first;
  return timestampMs === null || ttlMs === null ? null : timestampMs + ttlMs;
}

function callbacksOf(request: LogicalMessage, messages: readonly LogicalMessage[]): LogicalMessage[] {
  return messages.filter((message) => message.action === `on_${request.action}` && message.messageId === request.messageId);
}

/**
 * callback-received and callback-within-ttl. A callback is owed only where
 * we would see it: a request we sent as BAP or received as BPP. A gateway
 * forwards searches but the on_search goes straight to the BAP.
 */
export function checkCallbacks(messages: readonly LogicalMessage[], context: RuleContext): { findings: Finding[]; pending: PendingRequest[] } {
  const findings: Finding[] = [];
  const pending: PendingRequest[] = [];
  for (const request of messages.filter(isRequest)) {
    const deadline = deadlineOf(request);
    const callbacks = callbacksOf(request, messages);
    const expectsCallback = request.facts.some((fact) => fact.record.role !== 'gateway');
    if (callbacks.length === 0 && expectsCallback) {
      if (deadline !== null && context.now.getTime() <= deadline) {
        pending.push({ action: request.action, message_id: request.messageId, deadline: new Date(deadline).toISOString(), record_ids: idsOf(request.facts) });
      } else {
        findings.push({
          rule: 'callback-received',
          message: `${request.action} ${request.messageId} has no accepted on_${request.action}`,
          record_ids: idsOf(request.facts),
        });
      }
    }
    if (callbacks.length === 0) continue;
    if (deadline === null) {
      findings.push({
        rule: 'callback-within-ttl',
        message: `${request.action} ${request.messageId} has no usable context.timestamp and ttl, so its callbacks cannot be timed`,
        record_ids: idsOf(request.facts),
      });
      continue;
    }
    for (const callback of callbacks) {
      const lateMs = callback.first.startedMs - deadline;
      if (lateMs > 0) {
        findings.push({
          rule: 'callback-within-ttl',
          message: `${callback.action} ${callback.messageId} came ${lateMs} ms after the ttl of its ${request.action} ran out`,
          record_ids: [request.first.record.id, ...idsOf(callback.facts)],
        });
      }
    }
  }
  return { findings, pending };
}

/**
 * message-id-pairing: a callback carries the message_id of a request of its
 * action; an unsolicited on_status/on_update/on_cancel/on_track carries a
 * fresh one; a request never reuses another message's message_id.
 */
export function checkMessageIds(messages: readonly LogicalMessage[]): Finding[] {
  const findings: Finding[] = [];
  const requests = messages.filter(isRequest);
  const byMessageId = new Map<string, LogicalMessage[]>();
  for (const message of messages) byMessageId.set(message.messageId, [...(byMessageId.get(message.messageId) ?? []), message]);

  for (const [messageId, users] of byMessageId) {
    const requestUsers = users.filter(isRequest);
    if (requestUsers.length > 1) {
      findings.push({
        rule: 'message-id-pairing',
        message: `message_id ${messageId} is used by ${requestUsers.length} different requests (${requestUsers.map((m) => m.action).join(', ')})`,
        record_ids: requestUsers.flatMap((message) => idsOf(message.facts)),
      });
    }
  }
  for (const callback of messages.filter(isCallback)) {
    const answered = requests.some((request) => `on_${request.action}` === callback.action && request.messageId === callback.messageId);
    if (answered) continue;
    // Any other message under this id, or an earlier unsolicited one of the same action with other content.
    const position = messages.indexOf(callback);
    const others = (byMessageId.get(callback.messageId) ?? []).filter(
      (message) => message.action !== callback.action || messages.indexOf(message) < position,
    );
    if (unsolicited.has(callback.action) && others.length === 0) continue;
    findings.push({
      rule: 'message-id-pairing',
      message: unsolicited.has(callback.action)
        ? `unsolicited ${callback.action} reuses message_id ${callback.messageId} of ${others.map((m) => m.action).join(', ')}`
        : `${callback.action} ${callback.messageId} answers no ${callback.action.slice(3)} with that message_id`,
      record_ids: [...idsOf(callback.facts), ...others.flatMap((message) => idsOf(message.facts))],
    });
  }
  return findings;
}
