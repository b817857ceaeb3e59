import type { Request } from 'express';
import { requireBearer } from '../../infra/http/index.js';

/** Throws UNAUTHORIZED (401) unless the request carries `Authorization: Bearer <admin token>`. */
export function requireOperator(req: Request, adminToken: string): void {
  requireBearer(req, adminToken, 'admin token');
}
