import type { Transaction } from 'sequelize';
import type { BecknContext } from './inbound/beckn-context.js';
import type { DeadLetterListener } from './outbound/outbox.js';
import type { BecknAction } from './schemas/index.js';

/** An inbound message the pipeline accepted, as a domain handler sees it. */
export interface AcceptedMessage {
  action: BecknAction;
  context: BecknContext;
  message: unknown;
  error: unknown;
  sender: string | null;
  receivedAt: Date;
  /** 1 on the first run; a handler may run again after a crash, so it must be idempotent. */
  attempt: number;
}

export interface CallbackError {
  code: string;
  message: string;
  paths?: string;
}

/** What a provider-side handler answers a request with: the callback's `message`, or an `error` callback. */
export type CallbackReply = { message: unknown } | { error: CallbackError };

/**
 * A request handler may also take the request and leave the callback to the
 * domain, which queues it (solicited, with the request's context) once it has
 * the answer, e.g. select answered when a driver accepts.
 */
export type RequestReply = CallbackReply | { deferred: true };

/** Runs inside the transaction that also queues the callback (unless deferred) and closes the inbox entry. */
export type RequestHandler = (request: AcceptedMessage, transaction: Transaction) => Promise<RequestReply>;
export type CallbackHandler = (callback: AcceptedMessage, transaction: Transaction) => Promise<void>;

/** The domain handlers of each role, registered by the bpp and bap modules at start. */
export class HandlerRegistry {
  private readonly requests = new Map<BecknAction, RequestHandler>();
  private readonly callbacks = new Map<BecknAction, CallbackHandler>();
  private readonly deadLetters = new Map<BecknAction, DeadLetterListener>();

  onRequest(action: BecknAction, handler: RequestHandler): void {
    if (action.startsWith('on_')) throw new Error(`${action} is a callback, not a request`);
    if (this.requests.has(action)) throw new Error(`a handler for ${action} is already registered`);
    this.requests.set(action, handler);
  }

  onCallback(action: BecknAction, handler: CallbackHandler): void {
    if (!action.startsWith('on_')) throw new Error(`${action} is a request, not a callback`);
    if (this.callbacks.has(action)) throw new Error(`a handler for ${action} is already registered`);
    this.callbacks.set(action, handler);
  }

  request(action: string): RequestHandler | undefined {
    return this.requests.get(action as BecknAction);
  }

  callback(action: string): CallbackHandler | undefined {
    return this.callbacks.get(action as BecknAction);
  }

  /**
   * Told when an outgoing message of `action` goes to the dead letters
   * (refused by its receiver, undeliverable after every attempt, or
   * unsignable). Runs in the transaction that marks the entry dead; an entry
   * can die again after an operator re-queues it, so it must be idempotent.
   */
  onDeadLetter(action: BecknAction, listener: DeadLetterListener): void {
    if (this.deadLetters.has(action)) throw new Error(`a dead-letter listener for ${action} is already registered`);
    this.deadLetters.set(action, listener);
  }

  deadLetter(action: string): DeadLetterListener | undefined {
    return this.deadLetters.get(action as BecknAction);
  }
}
