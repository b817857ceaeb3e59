import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { AppError } from '../infra/http/index.js';
import { BAP_SCHEMA } from './bap-deps.js';

export interface RouteResult {
  status: number;
  body: unknown;
}

const MAX_KEY_LENGTH = 255;

const claimSql = `
  INSERT INTO ${BAP_SCHEMA}.idempotent_request (person_id, key, method, path, request_sha256)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (person_id, key) DO NOTHING
  RETURNING key`;
const findSql = `SELECT method, path, request_sha256, status, response FROM ${BAP_SCHEMA}.idempotent_request WHERE person_id = $1 AND key = $2`;
const storeSql = `UPDATE ${BAP_SCHEMA}.idempotent_request SET status = $3, response = $4 WHERE person_id = $1 AND key = $2`;
const releaseSql = `DELETE FROM ${BAP_SCHEMA}.idempotent_request WHERE person_id = $1 AND key = $2 AND status IS NULL`;
const takeOverSql = `
  UPDATE ${BAP_SCHEMA}.idempotent_request SET created_at = now()
   WHERE person_id = $1 AND key = $2 AND status IS NULL AND request_sha256 = $3 AND created_at < now() - make_interval(secs => $4)
  RETURNING key`;

/** A claim of a waiting request older than this was abandoned (its process died): a retry may run it again. */
const ABANDONED_CLAIM_SECONDS = 120;

/**
 * Runs a rider's state-changing request in one transaction. With an
 * `Idempotency-Key` header the key is claimed in that same transaction and
 * the answer stored with it, so a retry (even a concurrent one, which waits
 * on the key's row) gets the first answer and nothing happens twice; a
 * failed attempt rolls back with its claim and can be retried. The same key
 * with another request is refused.
 */
export async function runIdempotent(
  sequelize: Sequelize,
  req: Request,
  res: Response,
  personId: string,
  run: (transaction: Transaction) => Promise<RouteResult>,
): Promise<void> {
  const key = req.get('idempotency-key');
  if (key !== undefined && (key.length === 0 || key.length > MAX_KEY_LENGTH)) {
    throw new AppError('VALIDATION_FAILED', `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`);
  }
  const rawBody = (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
  const digest = createHash('sha256').update(req.method).update('\n').update(req.path).update('\n').update(rawBody).digest('hex');
  const result = await sequelize.transaction(async (transaction): Promise<RouteResult & { replayed?: boolean }> => {
    if (key === undefined) return run(transaction);
    const claimed = await sequelize.query(claimSql, { type: QueryTypes.SELECT, bind: [personId, key, req.method, req.path, digest], transaction });
    if (claimed.length === 0) {
      const [row] = await sequelize.query<{ request_sha256: string; status: number | null; response: unknown }>(findSql, {
        type: QueryTypes.SELECT,
        bind: [personId, key],
        transaction,
      });
      if (!row || row.request_sha256 !== digest) throw new AppError('CONFLICT', 'this Idempotency-Key was used for another request');
      if (row.status === null) throw new AppError('CONFLICT', 'a request with this Idempotency-Key is still being processed; retry shortly');
      return { status: row.status, body: row.response, replayed: true };
    }
    const answer = await run(transaction);
    await sequelize.query(storeSql, { bind: [personId, key, answer.status, JSON.stringify(answer.body)], transaction });
    return answer;
  });
  if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(result.status).json(result.body);
}

/**
 * Like runIdempotent, for a request that waits for a Beckn callback: no
 * database transaction may stay open while it waits (the callback's own
 * transaction must be able to commit, and the embedded database serves one
 * transaction at a time). The key is claimed and committed first, the
 * request runs on its own, and its answer is stored afterwards; a failed run
 * releases the claim. A claim left by a process that died is taken over
 * after ABANDONED_CLAIM_SECONDS.
 */
export async function runIdempotentWaiting(
  sequelize: Sequelize,
  req: Request,
  res: Response,
  personId: string,
  run: () => Promise<RouteResult>,
): Promise<void> {
  const key = req.get('idempotency-key');
  if (key === undefined) {
    const answer = await run();
    res.status(answer.status).json(answer.body);
    return;
  }
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new AppError('VALIDATION_FAILED', `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`);
  const rawBody = (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
  const digest = createHash('sha256').update(req.method).update('\n').update(req.path).update('\n').update(rawBody).digest('hex');
  const replay = await sequelize.transaction(async (transaction): Promise<RouteResult | null> => {
    const claimed = await sequelize.query(claimSql, { type: QueryTypes.SELECT, bind: [personId, key, req.method, req.path, digest], transaction });
    if (claimed.length > 0) return null;
    const [row] = await sequelize.query<{ request_sha256: string; status: number | null; response: unknown }>(findSql, {
      type: QueryTypes.SELECT,
      bind: [personId, key],
      transaction,
    });
    if (!row || row.request_sha256 !== digest) throw new AppError('CONFLICT', 'this Idempotency-Key was used for another request');
    if (row.status !== null) return { status: row.status, body: row.response };
    const taken = await sequelize.query(takeOverSql, { type: QueryTypes.SELECT, bind: [personId, key, digest, ABANDONED_CLAIM_SECONDS], transaction });
    if (taken.length === 0) throw new AppError('CONFLICT', 'a request with this Idempotency-Key is still being processed; retry shortly');
    return null;
  });
  if (replay) {
    res.setHeader('Idempotent-Replayed', 'true');
    res.status(replay.status).json(replay.body);
    return;
  }
  let answer: RouteResult;
  try {
    answer = await run();
  } catch (error) {
    await sequelize.query(releaseSql, { bind: [personId, key] });
    throw error;
  }
  await sequelize.query(storeSql, { bind: [personId, key, answer.status, JSON.stringify(answer.body)] });
  res.status(answer.status).json(answer.body);
}
