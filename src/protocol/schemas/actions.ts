/** The ten Beckn 1.1 request actions, in the order a ride goes through them. */
export const requestActions = ['search', 'select', 'init', 'confirm', 'status', 'track', 'cancel', 'update', 'rating', 'support'] as const;

export type BecknRequestAction = (typeof requestActions)[number];
export type BecknCallbackAction = `on_${BecknRequestAction}`;
export type BecknAction = BecknRequestAction | BecknCallbackAction;

export const callbackActions: readonly BecknCallbackAction[] = requestActions.map((action) => `on_${action}` as const);

/** All twenty, requests then callbacks. */
export const becknActions: readonly BecknAction[] = [...requestActions, ...callbackActions];

export function isBecknAction(value: unknown): value is BecknAction {
  return typeof value === 'string' && (becknActions as readonly string[]).includes(value);
}

export function isCallbackAction(action: BecknAction): action is BecknCallbackAction {
  return action.startsWith('on_');
}

/** The callback answering a request; a callback maps to itself. */
export function callbackOf(action: BecknAction): BecknAction {
  return isCallbackAction(action) ? action : `on_${action}`;
}

/** The request a callback answers; a request maps to itself. */
export function requestOf(callback: BecknAction): BecknAction {
  return isCallbackAction(callback) ? (callback.slice('on_'.length) as BecknRequestAction) : callback;
}
