import type { Response } from 'express';
import type { RouteInput, RouteSpec } from '../../infra/http/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { RegistryClient } from '../../protocol/registry-client/index.js';
import type { AuditStore } from './audit-store.js';
import type { AuditRole } from './auditor-auth.js';
import type { MaskBudget } from './mask-budget.js';
import type { PiiRules } from './pii-rules.js';

export type AuditHandler = (input: RouteInput, res: Response, role: AuditRole) => Promise<void>;

/** What every audit route gets: the options resolved, and `guard` to wrap its handler. */
export interface AuditRouteDeps {
  store: AuditStore;
  registry: Pick<RegistryClient, 'signingKey'>;
  piiRules: PiiRules;
  /** A fresh masking budget for one response (the configured size unless `units` is given). */
  maskBudget: (units?: number) => MaskBudget;
  logger: Logger;
  clockSkewSeconds: number;
  clock: () => Date;
  /** Sets no-store, resolves the caller's role from its token (401 otherwise), then runs the handler. */
  guard: (handler: AuditHandler) => RouteSpec['handler'];
}
