import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RateLimiter } from '../rate-limit/index.js';
import { AppError } from './app-error.js';
import { bearerToken } from './bearer-auth.js';

const WINDOW_MS = 60_000;

/**
 * At most `limitPerMinute` requests per bearer token per minute (fixed
 * window, shared by every replica through the rate limiter port); beyond,
 * 429 RATE_LIMITED with `Retry-After`. The key is a digest of the token, so
 * the token itself never reaches the limiter's store. Requests without a
 * bearer token are not counted here.
 */
export function tokenRateLimit(limiter: RateLimiter, limitPerMinute: number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    if (token === null) {
      next();
      return;
    }
    const key = `api-token:${createHash('sha256').update(token, 'utf8').digest('base64url')}`;
    limiter.hit(key, limitPerMinute, WINDOW_MS).then(
      (decision) => {
        if (decision.allowed) {
          next();
          return;
        }
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(decision.resetMs / 1000))));
        next(new AppError('RATE_LIMITED', `more than ${limitPerMinute} requests a minute with this token`));
      },
      (error: unknown) => next(error),
    );
  };
}
