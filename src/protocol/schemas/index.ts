export {
  becknActions,
  callbackActions,
  callbackOf,
  isBecknAction,
  isCallbackAction,
  requestActions,
  requestOf,
  type BecknAction,
  type BecknCallbackAction,
  type BecknRequestAction,
} from './actions.js';
export { createBecknValidator, defaultSchemasDir, type BecknValidator } from './beckn-validator.js';
export { profileOf, supportedProfiles, type BecknProfile } from './profiles.js';
export type { BecknSchemaIssue } from './schema-issues.js';
