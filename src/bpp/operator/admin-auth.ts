import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppError } from '../../infra/http/index.js';

const bearerPattern = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Comparing digests keeps both the length and the content of the admin token out of response timing. */
function isAdminToken(presented: string, adminToken: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(adminToken));
}

/** Throws UNAUTHORIZED (401) unless the request carries `Authorization: Bearer <admin token>`. */
export function requireOperator(req: Request, adminToken: string): void {
  const token = bearerPattern.exec(req.get('authorization') ?? '')?.[1];
  if (token === undefined) throw new AppError('UNAUTHORIZED', 'this route needs Authorization: Bearer <admin token>');
  if (!isAdminToken(token, adminToken)) throw new AppError('UNAUTHORIZED', 'the bearer token is not the admin token');
}
