import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MessageRecord } from '../../protocol/message-log/index.js';
import { createMaskBudget, type MaskBudget } from './mask-budget.js';
import { matchesAt, startState, stepState, type PathState } from './pii-paths.js';
import type { Finder } from './pii-finders.js';
import type { PiiRules } from './pii-rules.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Mask = (text: string) => string;

/**
 * A place in the body as the rules see it: the path state after the keys
 * leading here, the whole-value mask that applies (the first such rule) and
 * the text rules that do. Sites are made once per distinct state and reached
 * again by key, so matching costs a lookup per key. Keys named in no rule
 * path (most of them, and all a sender can invent) share one `other` step, so
 * the sites of a rule set are a finite automaton, built as bodies need it and
 * kept with the rules, whatever the bodies hold.
 */
interface Site {
  state: PathState;
  whole: Mask | null;
  text: readonly { finder: Finder; mask: Mask }[];
  next: Map<string, Site>;
  other: Site | null;
}

/** The sites of a rule set, by state, and the keys some rule path names. */
interface Sites {
  rules: PiiRules;
  named: ReadonlySet<string>;
  byState: Map<string, Site>;
}

function siteOf(sites: Sites, state: PathState): Site {
  const signature = state.join(',');
  const known = sites.byState.get(signature);
  if (known !== undefined) return known;
  const { rules } = sites;
  const applying = rules.rules.filter((rule) => rule.paths.some((index) => matchesAt(rules.paths, state, index)));
  const whole = applying.find((rule) => rule.finder === null)?.mask ?? null;
  const text = applying.flatMap((rule) => (rule.finder === null ? [] : [{ finder: rule.finder, mask: rule.mask }]));
  const made: Site = { state, whole, text, next: new Map(), other: null };
  sites.byState.set(signature, made);
  return made;
}

const sitesByRules = new WeakMap<PiiRules, Sites>();

function sitesOf(rules: PiiRules): Sites {
  let sites = sitesByRules.get(rules);
  if (sites === undefined) {
    sites = { rules, named: new Set(rules.paths.flat().filter((segment) => segment !== '*' && segment !== '**')), byState: new Map() };
    sitesByRules.set(rules, sites);
  }
  return sites;
}

function step(sites: Sites, from: Site, key: string): Site {
  if (!sites.named.has(key)) {
    // Any key no path names moves every state alike; the empty string stands for them all.
    from.other ??= siteOf(sites, stepState(sites.rules.paths, from.state, ''));
    return from.other;
  }
  let to = from.next.get(key);
  if (to === undefined) {
    to = siteOf(sites, stepState(sites.rules.paths, from.state, key));
    from.next.set(key, to);
  }
  return to;
}

/** A container being written: its children still to go, the site they are at, and a whole-value mask if one applies. */
interface Frame {
  close: ']' | '}';
  items: readonly Json[] | null;
  object: Record<string, Json> | null;
  keys: readonly string[];
  next: number;
  at: Site;
  whole: Mask | null;
}

/**
 * Units charged per JSON value visited, beside one per character: a value
 * costs more than a character of its text (an object's keys are parsed into a
 * property table, a site is looked up), so a body of a million tiny values
 * spends its budget about as fast as it spends CPU time.
 */
const unitsPerValue = 8;

/** Raised inside the walk when the budget runs out; never leaves this module. */
class OverBudget extends Error {}

/** Every text rule that applies here, in order, each on the previous one's output. */
function maskText(text: string, at: Site, budget: MaskBudget): string {
  let masked = text;
  for (const rule of at.text) {
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
 * JSON.stringify writes it, as the generator's return value. The walk keeps
 * its own stack rather than recursing (and does not call JSON.stringify on
 * containers, which recurses), so a body nested 20,000 levels deep is masked
 * like any other. It yields whenever the budget says a pause is due, so a
 * caller may let other work run in the middle of one large body.
 */
function* maskedText(value: Json, rules: PiiRules, budget: MaskBudget): Generator<void, string, void> {
  let out = '';
  const stack: Frame[] = [];
  const sites = sitesOf(rules);
  const write = (node: Json, at: Site, inherited: Mask | null) => {
    if (!budget.take(unitsPerValue)) throw new OverBudget();
    const whole = inherited ?? at.whole;
    if (typeof node === 'string') out += JSON.stringify(whole ? whole(node) : maskText(node, at, budget));
    else if (typeof node === 'number') out += whole ? JSON.stringify(whole(String(node))) : String(node);
    else if (node === null || typeof node === 'boolean') out += String(node);
    else if (Array.isArray(node)) {
      out += '[';
      stack.push({ close: ']', items: node, object: null, keys: [], next: 0, at, whole });
    } else {
      out += '{';
      stack.push({ close: '}', items: null, object: node, keys: Object.keys(node), next: 0, at, whole });
    }
  };

  write(value, siteOf(sites, startState(rules.paths)), null);
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    if (budget.pauseDue()) yield;
    const length = frame.items === null ? frame.keys.length : frame.items.length;
    if (frame.next === length) {
      out += frame.close;
      stack.pop();
      continue;
    }
    if (frame.next > 0) out += ',';
    const index = frame.next;
    frame.next += 1;
    if (frame.items !== null) {
      // Array indices are not path keys: items sit at their array's path.
      write(frame.items[index] as Json, frame.at, frame.whole);
      continue;
    }
    const key = frame.keys[index] as string;
    out += `${JSON.stringify(key)}:`;
    // Under a whole-value mask everything is masked, so where the rules stand no longer matters.
    write((frame.object as Record<string, Json>)[key] as Json, frame.whole ? frame.at : step(sites, frame.at, key), frame.whole);
  }
  return out;
}

/** A parsed JSON value with the rules applied; the input is left untouched. */
export function maskJson(value: unknown, rules: PiiRules): unknown {
  return JSON.parse(runToEnd(maskedText(value as Json, rules, createMaskBudget(Number.MAX_SAFE_INTEGER))));
}

/** Runs a walk without pausing. */
function runToEnd(walk: Generator<void, string, void>): string {
  for (let next = walk.next(); ; next = walk.next()) if (next.done === true) return next.value;
}

/** Runs a walk, letting other requests run at every pause. */
async function runPaced(walk: Generator<void, string, void>): Promise<string> {
  for (let next = walk.next(); ; next = walk.next()) {
    if (next.done === true) return next.value;
    await nextTurn();
  }
}

/**
 * raw: the stored bytes; masked: re-serialised JSON with PII hidden;
 * withheld: not JSON, so it cannot be masked safely and is not shown;
 * over_budget: the response's masking budget was spent before this body,
 * so it is not shown (it can be read alone, at /audit/messages/{id}/raw).
 */
export type BodyView = 'raw' | 'masked' | 'withheld' | 'over_budget';

type MaskedBody = { raw_body: string; body_view: BodyView };
type StoredBody = Pick<MessageRecord, 'raw_body' | 'body_encoding' | 'body_truncated'>;

/**
 * The body the masked role may see, as a walk still to run (or the view
 * already decided). Only a complete UTF-8 JSON body can be masked key by key;
 * anything else (binary, truncated, not JSON) is withheld rather than shown
 * with PII possibly left in it. Parsing is charged to the budget before it
 * starts, masking as it goes.
 */
function startMasking(record: StoredBody, rules: PiiRules, budget: MaskBudget): MaskedBody | Generator<void, string, void> {
  if (record.body_encoding !== 'utf8' || record.body_truncated) return { raw_body: '', body_view: 'withheld' };
  if (!budget.take(record.raw_body.length)) return { raw_body: '', body_view: 'over_budget' };
  try {
    return maskedText(JSON.parse(record.raw_body) as Json, rules, budget);
  } catch {
    return { raw_body: '', body_view: 'withheld' };
  }
}

function overBudgetView(error: unknown): MaskedBody {
  if (error instanceof OverBudget) return { raw_body: '', body_view: 'over_budget' };
  throw error;
}

/** The masked body in one go. */
export function maskedBody(record: StoredBody, rules: PiiRules, budget: MaskBudget = createMaskBudget()): MaskedBody {
  const started = startMasking(record, rules, budget);
  if (!('next' in started)) return started;
  try {
    return { raw_body: runToEnd(started), body_view: 'masked' };
  } catch (error) {
    return overBudgetView(error);
  }
}

/** The masked body, letting other requests run whenever a slice of work is done, inside the body too. */
export async function maskedBodyPaced(record: StoredBody, rules: PiiRules, budget: MaskBudget): Promise<MaskedBody> {
  const started = startMasking(record, rules, budget);
  if (!('next' in started)) return started;
  try {
    return { raw_body: await runPaced(started), body_view: 'masked' };
  } catch (error) {
    return overBudgetView(error);
  }
}
