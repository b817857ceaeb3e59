export { registerBap, riderRoutes } from './register-bap.js';
export { BAP_SCHEMA, bapSettingsOf, defaultBapSettings, type BapDeps, type BapSettings } from './bap-deps.js';
