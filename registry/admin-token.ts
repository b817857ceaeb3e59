import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppError } from '../src/infra/http/index.js';

const bearerPattern = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The token of an `Authorization: Bearer …` header, or null when the header is absent or another scheme. */
export function bearerToken(header: string | undefined): string | null {
  return bearerPattern.exec(header ?? '')?.[1] ?? null;
}

/** Compares digests, so neither the length nor the content of the admin token leaks through timing. */
export function isAdminToken(presented: string, adminToken: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(adminToken));
}

export function requireAdmin(req: Request, adminToken: string): void {
  const token = bearerToken(req.get('authorization'));
  if (token === null) throw new AppError('UNAUTHORIZED', 'this route needs Authorization: Bearer <admin token>');
  if (!isAdminToken(token, adminToken)) throw new AppError('UNAUTHORIZED', 'the bearer token is not the admin token');
}
