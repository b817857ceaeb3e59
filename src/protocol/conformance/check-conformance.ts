/**
 * Field-level conformance of a Beckn message against the attribute lists of
 * the ONDC TRV10 2.0.1 specification (trv10-2.0.1-attributes.json, generated
 * by scripts/generate-conformance-attributes.ts from the spec's build.yaml).
 *
 * Usage:
 *   import { checkConformance } from '../protocol/conformance/index.js';
 *   const missing = checkConformance('on_confirm', body); // [] when conformant
 *   // e.g. ['message.order.fulfillments[0].agent.contact.phone',
 *   //       'message.order.items[0].tags[FARE_POLICY].list[MIN_FARE]']
 *
 * The profile is the body's `context.domain`. How the lists are read:
 * - A MANDATORY attribute must be present (not undefined, null, '' or []) in
 *   every element of every array on its path. Under an ancestor object the
 *   spec marks OPTIONAL it is required only when that ancestor is present;
 *   a missing MANDATORY ancestor is reported once, as itself.
 * - A tag group is found in the `tags` array by `descriptor.code` (or `code`);
 *   a MANDATORY group must be there with each MANDATORY list code.
 * - `payments[].params` (where the money is paid) is required of a payment the
 *   BPP collects (`collected_by: BPP`); when the BAP collects, the BAP holds it.
 * - Agent, vehicle registration/make/model: only once a driver is assigned,
 *   i.e. not in a fulfillment whose state is RIDE_CONFIRMED (the spec's
 *   "assign driver post on_confirm" flow) or absent (a draft order).
 * - An error callback (`error` and no `message`) and actions the spec lists
 *   no attributes for (track, on_track, rating,
 *   on_rating, support, on_support) are held to the context attributes every
 *   action of their direction shares in the spec.
 * - Beckn core mobility (nic2004:60221, core 1.1.0): the same attribute paths,
 *   except `context.ttl` (optional in core 1.1.0), and no tag groups: the tag
 *   vocabularies (FARE_POLICY, INFO, ROUTE_INFO, BUYER_FINDER_FEES,
 *   SETTLEMENT_TERMS) are ONDC's and the core profile defines none.
 */
import { readFileSync } from 'node:fs';
import { sourceTreePath } from '../../source-tree.js';

type Requirement = 'MANDATORY' | 'OPTIONAL';
interface AttributeRule {
  required: Requirement;
  owner: string;
}
interface TagGroupRule extends AttributeRule {
  list: Record<string, AttributeRule>;
}
interface ActionRules {
  attributes: Record<string, AttributeRule>;
  tags: Record<string, Record<string, TagGroupRule>>;
}
interface AttributeData {
  source: string;
  domain: string;
  version: string;
  actions: Record<string, ActionRules>;
}

export const conformanceDataFile = sourceTreePath(new URL('./trv10-2.0.1-attributes.json', import.meta.url));

let loaded: AttributeData | undefined;
function data(): AttributeData {
  loaded ??= JSON.parse(readFileSync(conformanceDataFile, 'utf8')) as AttributeData;
  return loaded;
}

export const coreMobilityDomain = 'nic2004:60221';

/** Paths (relative to a scope array element) required only when the element satisfies a condition. */
interface Condition {
  scope: string;
  under: string[];
  applies: (element: Record<string, unknown>) => boolean;
}

function fulfillmentAssigned(fulfillment: Record<string, unknown>): boolean {
  const state = fulfillment.state as { descriptor?: { code?: unknown } } | undefined;
  const code = state?.descriptor?.code;
  return typeof code === 'string' && code !== 'RIDE_CONFIRMED';
}

const conditions: Condition[] = [
  { scope: 'payments', under: ['params'], applies: (payment) => String(payment.collected_by).toUpperCase() === 'BPP' },
  {
    scope: 'fulfillments',
    under: ['agent', 'vehicle.registration', 'vehicle.make', 'vehicle.model'],
    applies: fulfillmentAssigned,
  },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/** The context rules every action of one direction (requests or on_* callbacks) shares. */
function sharedContextRules(callback: boolean): ActionRules {
  const actions = Object.entries(data().actions).filter(([name]) => name.startsWith('on_') === callback);
  const attributes: Record<string, AttributeRule> = {};
  const first = actions[0]?.[1].attributes ?? {};
  for (const [path, rule] of Object.entries(first)) {
    if (!path.startsWith('context.') || path === 'context.action') continue;
    if (actions.every(([, rules]) => rules.attributes[path]?.required === rule.required)) attributes[path] = rule;
  }
  return { attributes, tags: {} };
}

function rulesFor(action: string): ActionRules {
  return data().actions[action] ?? sharedContextRules(action.startsWith('on_'));
}

interface Walk {
  rules: ActionRules;
  missing: Set<string>;
}

/** Whether a condition switches off `segments[from..]` under the element at `scopePath`. */
function conditionedOff(scopePath: string, rest: string, element: Record<string, unknown>): boolean {
  for (const condition of conditions) {
    if (!scopePath.endsWith(condition.scope)) continue;
    if (!condition.under.some((under) => rest === under || rest.startsWith(`${under}.`))) continue;
    if (!condition.applies(element)) return true;
  }
  return false;
}

function walkPath(walk: Walk, node: unknown, segments: string[], index: number, specPath: string, concrete: string, onFound?: (value: unknown, concrete: string) => void): void {
  if (Array.isArray(node)) {
    node.forEach((element, position) => walkPath(walk, element, segments, index, specPath, `${concrete}[${position}]`, onFound));
    return;
  }
  if (!isRecord(node)) return;
  const segment = segments[index] as string;
  const rest = segments.slice(index).join('.');
  if (specPath && conditionedOff(specPath, rest, node)) return;
  const childSpec = specPath ? `${specPath}.${segment}` : segment;
  const childConcrete = concrete ? `${concrete}.${segment}` : segment;
  const child = node[segment];
  const last = index === segments.length - 1;
  if (absent(child)) {
    if (last) {
      if (!onFound) walk.missing.add(childConcrete);
      return;
    }
    const own = walk.rules.attributes[childSpec];
    // A listed ancestor is judged by its own rule (reported there if MANDATORY, skipped if OPTIONAL);
    // an unlisted one is required by the mandatory attributes under it.
    if (!own && !onFound) walk.missing.add(childConcrete);
    return;
  }
  if (last) {
    onFound?.(child, childConcrete);
    return;
  }
  walkPath(walk, child, segments, index + 1, childSpec, childConcrete, onFound);
}

function tagCode(tag: unknown): string | undefined {
  if (!isRecord(tag)) return undefined;
  const descriptor = tag.descriptor;
  if (isRecord(descriptor) && typeof descriptor.code === 'string') return descriptor.code;
  return typeof tag.code === 'string' ? tag.code : undefined;
}

function checkTags(walk: Walk, body: unknown, tagsPath: string, groups: Record<string, TagGroupRule>): void {
  const segments = tagsPath.split('.');
  const ownerSegments = segments.slice(0, -1);
  const visit = (owner: unknown, concrete: string): void => {
    if (!isRecord(owner)) return;
    const tags = Array.isArray(owner.tags) ? owner.tags : [];
    for (const [code, group] of Object.entries(groups)) {
      const found = tags.find((tag) => tagCode(tag) === code) as Record<string, unknown> | undefined;
      const groupPath = `${concrete}.tags[${code}]`;
      if (!found) {
        if (group.required === 'MANDATORY') walk.missing.add(groupPath);
        continue;
      }
      const list = Array.isArray(found.list) ? found.list : [];
      for (const [item, itemRule] of Object.entries(group.list)) {
        if (itemRule.required !== 'MANDATORY') continue;
        const entry = list.find((candidate) => tagCode(candidate) === item) as Record<string, unknown> | undefined;
        if (!entry || absent(entry.value)) walk.missing.add(`${groupPath}.list[${item}]`);
      }
    }
  };
  // Reach every object that carries these tags (through arrays), then judge its tags.
  walkPath(walk, body, ownerSegments, 0, '', '', (value, concrete) => {
    if (Array.isArray(value)) value.forEach((element, position) => visit(element, `${concrete}[${position}]`));
    else visit(value, concrete);
  });
}

export interface ConformanceOptions {
  /** Judge the message as this domain instead of its context.domain. */
  domain?: string;
}

/**
 * The paths the message lacks among the attributes the specification marks
 * mandatory for `action` (empty when it conforms).
 */
export function checkConformance(action: string, body: unknown, options: ConformanceOptions = {}): string[] {
  const context = isRecord(body) && isRecord(body.context) ? body.context : {};
  const domain = options.domain ?? context.domain;
  const core = domain === coreMobilityDomain;
  // An error callback (error and no message) carries only its context.
  const errorOnly = isRecord(body) && body.error !== undefined && body.message === undefined;
  const rules = errorOnly ? sharedContextRules(action.startsWith('on_')) : rulesFor(action);
  const walk: Walk = { rules, missing: new Set() };
  for (const [path, rule] of Object.entries(rules.attributes)) {
    if (rule.required !== 'MANDATORY') continue;
    if (core && path === 'context.ttl') continue;
    walkPath(walk, body, path.split('.'), 0, '', '');
  }
  if (!core) {
    for (const [tagsPath, groups] of Object.entries(rules.tags)) checkTags(walk, body, tagsPath, groups);
  }
  return [...walk.missing].sort();
}

/** The actions the specification lists attributes for. */
export function conformanceActions(): string[] {
  return Object.keys(data().actions);
}
