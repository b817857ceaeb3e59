import type { RouteSpec } from '../../infra/http/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { RegistryClient } from '../../protocol/registry-client/index.js';
import type { AuditRouteDeps } from './audit-route-deps.js';
import type { AuditStore } from './audit-store.js';
import { createAuditorAuth } from './auditor-auth.js';
import { createMaskBudget, defaultMaskBudgetUnits } from './mask-budget.js';
import type { PiiRules } from './pii-rules.js';
import { proofRoutes } from './proof-routes.js';
import { recordRoutes } from './record-routes.js';
import { reportRoutes } from './report-routes.js';

export interface AuditRoutesOptions {
  store: AuditStore;
  /** Keys valid at a message's time, for /verify. */
  registry: Pick<RegistryClient, 'signingKey'>;
  /** Opens the API as `auditor`: PII masked in every body. */
  auditorToken: string;
  /** Opens the API as `auditor_pii`: raw bodies. Null: nobody sees raw PII. */
  piiToken: string | null;
  piiRules: PiiRules;
  /** Masking work one response may do (see mask-budget.ts); bodies past it are withheld as over_budget. */
  maskBudgetUnits?: number;
  logger: Logger;
  /** Clock skew tolerated in /verify and conformance; 5 s unless given. */
  clockSkewSeconds?: number;
  clock?: () => Date;
  /** Where the message log's checkpoints are published (GET /audit/checkpoints); null or unset: none here. */
  checkpointDir?: string | null;
}

/**
 * The read-only compliance API over the message log. Every route needs an
 * auditor bearer token (security scheme `auditorToken`); responses are
 * never cached. The token is checked before the input is validated.
 */
export function auditRoutes(options: AuditRoutesOptions): RouteSpec[] {
  const authorize = createAuditorAuth({ auditorToken: options.auditorToken, piiToken: options.piiToken });
  const deps: AuditRouteDeps = {
    store: options.store,
    registry: options.registry,
    piiRules: options.piiRules,
    maskBudget: (units = options.maskBudgetUnits ?? defaultMaskBudgetUnits) => createMaskBudget(units),
    logger: options.logger.child({ component: 'audit-api' }),
    clockSkewSeconds: options.clockSkewSeconds ?? 5,
    clock: options.clock ?? (() => new Date()),
    guard: (handler) => async (input, res) => {
      res.setHeader('Cache-Control', 'no-store');
      const role = authorize(input.req, res);
      await handler(input, res, role);
    },
  };
  return [...recordRoutes(deps), ...reportRoutes(deps), ...proofRoutes(deps, options.checkpointDir ?? null)].map((route) => ({
    ...route,
    authorize: (req, res) => {
      authorize(req, res);
    },
  }));
}
