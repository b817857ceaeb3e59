import { NackError } from '../../errors/index.js';
import { callbackActions, isBecknAction, requestActions } from '../../schemas/index.js';
import { namedStep, type Step } from './step.js';

function acceptOnly(actions: readonly string[], kind: string): Step {
  const accepted = new Set(actions);
  return (message) => {
    if (!accepted.has(message.action)) throw new NackError('UNKNOWN_ACTION', `${message.action} is not a Beckn ${kind} this endpoint takes`);
  };
}

/** Providers and gateways take requests; consumers take callbacks. */
export const acceptRequests = namedStep('acceptRequests', acceptOnly(requestActions, 'request'));
export const acceptCallbacks = namedStep('acceptCallbacks', acceptOnly(callbackActions, 'callback'));

/** Core schema of the action, then the profile layer of its domain; every failing path is reported. */
export const validateSchema: Step = (message, deps) => {
  if (!isBecknAction(message.action)) throw new NackError('UNKNOWN_ACTION', `unknown action ${message.action}`);
  const issues = deps.validator.validate(message.action, message.envelope);
  if (issues.length > 0) {
    throw new NackError(
      'SCHEMA_INVALID',
      issues.map((issue) => `${issue.path} ${issue.message}`).join('; '),
      [...new Set(issues.map((issue) => issue.path))].join(','),
    );
  }
};
