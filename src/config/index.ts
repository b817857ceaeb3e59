export type { AuditConfig, BecknConfig, BppConfig, Config, PaymentsConfig, PaymentTermsConfig, PaymentWebhookAuth, Profile, RoleName, Secrets, SchedulerConfig, SettlementAccount, SettlementTerms } from './config.js';
export { ConfigError } from './config-error.js';
export { readEnv, type RawEnv } from './env.js';
export { loadConfig, type LoadedConfig } from './load-config.js';
export { variables, variableNames, type VariableName } from './variables.js';
