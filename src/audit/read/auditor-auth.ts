import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppError } from '../../infra/http/index.js';

/** auditor: PII masked in every body; auditor_pii: raw bodies. */
export type AuditRole = 'auditor' | 'auditor_pii';

const challenge = 'Bearer realm="beckn-ride audit"';
const bearerPattern = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

// Equal-length digests let timingSafeEqual compare tokens of any length without revealing it.
const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Resolves the audit role of a request from its bearer token. Only the
 * auditor tokens open the audit API: any other token, the admin token
 * included, is refused exactly like a wrong one (401), so the answer says
 * nothing about which tokens exist. Both tokens are always compared, in
 * constant time.
 */
export function createAuditorAuth(tokens: { auditorToken: string; piiToken: string | null }) {
  if (tokens.auditorToken.length === 0) throw new Error('the auditor token must not be empty');
  if (tokens.piiToken !== null && (tokens.piiToken.length === 0 || tokens.piiToken === tokens.auditorToken)) {
    throw new Error('the auditor_pii token must be non-empty and differ from the auditor token');
  }
  const auditor = digest(tokens.auditorToken);
  const pii = tokens.piiToken === null ? null : digest(tokens.piiToken);

  return (req: Request, res: Response): AuditRole => {
    const match = bearerPattern.exec(req.get('authorization') ?? '');
    if (match === null) {
      res.setHeader('WWW-Authenticate', challenge);
      throw new AppError('UNAUTHORIZED', 'the audit API needs an auditor bearer token');
    }
    const presented = digest(match[1] as string);
    const isAuditor = timingSafeEqual(presented, auditor);
    const isPii = pii !== null && timingSafeEqual(presented, pii);
    if (isPii) return 'auditor_pii';
    if (isAuditor) return 'auditor';
    res.setHeader('WWW-Authenticate', `${challenge}, error="invalid_token"`);
    throw new AppError('UNAUTHORIZED', 'the bearer token does not open the audit API');
  };
}
