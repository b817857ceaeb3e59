import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppError } from './app-error.js';

const bearerPattern = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

/** The token of an `Authorization: Bearer …` header, or null when the header is absent or another scheme. */
export function bearerToken(header: string | undefined): string | null {
  return bearerPattern.exec(header ?? '')?.[1] ?? null;
}

/** Compares digests, so neither the length nor the content of the expected token leaks through timing. */
export function sameToken(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Throws UNAUTHORIZED (401) unless the request carries `Authorization: Bearer <expected>`. */
export function requireBearer(req: Request, expected: string, name: string): void {
  const token = bearerToken(req.get('authorization'));
  if (token === null) throw new AppError('UNAUTHORIZED', `this route needs Authorization: Bearer <${name}>`);
  if (!sameToken(token, expected)) throw new AppError('UNAUTHORIZED', `the bearer token is not the ${name}`);
}
