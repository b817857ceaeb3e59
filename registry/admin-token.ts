import type { Request } from 'express';
import { bearerToken, requireBearer, sameToken } from '../src/infra/http/index.js';

export { bearerToken };

/** Compares digests, so neither the length nor the content of the admin token leaks through timing. */
export const isAdminToken = (presented: string, adminToken: string): boolean => sameToken(presented, adminToken);

export function requireAdmin(req: Request, adminToken: string): void {
  requireBearer(req, adminToken, 'admin token');
}
