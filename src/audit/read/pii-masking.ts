import type { MessageRecord } from '../../protocol/message-log/index.js';
import { createMaskBudget, type MaskBudget } from './mask-budget.js';
import { matchesAt, startState, stepState, type PathState } from './pii-paths.js';
import type { PiiRule, PiiRules } from './pii-rules.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Mask = (text: string) => string;

/** A container being written: its children still to go, the path state they are under, and a whole-value mask if one applies. */
interface Frame {
  close: ']' | '}';
  items: readonly Json[] | null;
  object: Record<string, Json> | null;
  keys: readonly string[];
  next: number;
  state: PathState;
  whole: Mask | null;
}

/** Raised inside the walk when the budget runs out; never leaves this module. */
class OverBudget extends Error {}

function applies(rules: PiiRules, rule: PiiRule, state: PathState): boolean {
  return rule.paths.some((index) => matchesAt(rules.paths, state, index));
}

/** Every text rule that applies here, in order, each on the previous one's output. */
function maskText(text: string, state: PathState, rules: PiiRules, budget: MaskBudget): string {
  let masked = text;
  for (const rule of rules.rules) {
    if (rule.finder === null || !applies(rules, rule, state)) continue;
    if (!budget.take(masked.length)) throw new OverBudget();
    const spans = rule.finder(masked);
    if (spans.length === 0) continue;
    const pieces: string[] = [];
    let from = 0;
    for (const [start, end] of spans) {
      pieces.push(masked.slice(from, start), rule.mask(masked.slice(start, end)));
      from = end;
    }
    pieces.push(masked.slice(from));
    masked = pieces.join('');
  }
  return masked;
}

/**
 * The JSON text of `value` with the rules applied, written the way
 * JSON.stringify writes it. The walk keeps its own stack rather than
 * recursing (and does not call JSON.stringify on containers, which
 * recurses), so a body nested 20,000 levels deep is masked like any other.
 */
function maskedText(value: Json, rules: PiiRules, budget: MaskBudget): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const write = (node: Json, state: PathState, inherited: Mask | null) => {
    if (!budget.take(1)) throw new OverBudget();
    const whole = inherited ?? rules.rules.find((rule) => rule.finder === null && applies(rules, rule, state))?.mask ?? null;
    if (typeof node === 'string') out.push(JSON.stringify(whole ? whole(node) : maskText(node, state, rules, budget)));
    else if (typeof node === 'number') out.push(JSON.stringify(whole ? whole(String(node)) : node));
    else if (node === null || typeof node === 'boolean') out.push(String(node));
    else if (Array.isArray(node)) {
      out.push('[');
      stack.push({ close: ']', items: node, object: null, keys: [], next: 0, state, whole });
    } else {
      out.push('{');
      stack.push({ close: '}', items: null, object: node, keys: Object.keys(node), next: 0, state, whole });
    }
  };

  write(value, startState(rules.paths), null);
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    const length = frame.items === null ? frame.keys.length : frame.items.length;
    if (frame.next === length) {
      out.push(frame.close);
      stack.pop();
      continue;
    }
    if (frame.next > 0) out.push(',');
    const index = frame.next;
    frame.next += 1;
    if (frame.items !== null) {
      // Array indices are not path keys: items sit at their array's path.
      write(frame.items[index] as Json, frame.state, frame.whole);
      continue;
    }
    const key = frame.keys[index] as string;
    out.push(JSON.stringify(key), ':');
    // Under a whole-value mask every path is masked, so the state no longer matters.
    write((frame.object as Record<string, Json>)[key] as Json, frame.whole ? frame.state : stepState(rules.paths, frame.state, key), frame.whole);
  }
  return out.join('');
}

/** A parsed JSON value with the rules applied; the input is left untouched. */
export function maskJson(value: unknown, rules: PiiRules): unknown {
  return JSON.parse(maskedText(value as Json, rules, createMaskBudget(Number.MAX_SAFE_INTEGER)));
}

/**
 * raw: the stored bytes; masked: re-serialised JSON with PII hidden;
 * withheld: not JSON, so it cannot be masked safely and is not shown;
 * over_budget: the response's masking budget was spent before this body,
 * so it is not shown (it can be read alone, at /audit/messages/{id}/raw).
 */
export type BodyView = 'raw' | 'masked' | 'withheld' | 'over_budget';

/**
 * The body the masked role may see. Only a complete UTF-8 JSON body can be
 * masked key by key; anything else (binary, truncated, not JSON) is withheld
 * rather than shown with PII possibly left in it. Parsing is charged to the
 * budget before it starts, masking as it goes.
 */
export function maskedBody(
  record: Pick<MessageRecord, 'raw_body' | 'body_encoding' | 'body_truncated'>,
  rules: PiiRules,
  budget: MaskBudget = createMaskBudget(),
): { raw_body: string; body_view: BodyView } {
  if (record.body_encoding !== 'utf8' || record.body_truncated) return { raw_body: '', body_view: 'withheld' };
  if (!budget.take(record.raw_body.length)) return { raw_body: '', body_view: 'over_budget' };
  let parsed: Json;
  try {
    parsed = JSON.parse(record.raw_body) as Json;
  } catch {
    return { raw_body: '', body_view: 'withheld' };
  }
  try {
    return { raw_body: maskedText(parsed, rules, budget), body_view: 'masked' };
  } catch (error) {
    if (error instanceof OverBudget) return { raw_body: '', body_view: 'over_budget' };
    throw error;
  }
}
