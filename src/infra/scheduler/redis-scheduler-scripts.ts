import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/*
 * Lua scripts of the Redis scheduler. Every state change is one script, so
 * replicas never see a half-moved job. Keys, always in this order:
 *   KEYS[1] pending  sorted set, id scored by the time it becomes due
 *   KEYS[2] running  sorted set, id scored by the end of its lease
 *   KEYS[3] jobs     hash, id -> JSON {type, payload, maxAttempts, attempt, lease}
 *   KEYS[4] dead     list of JSON dead jobs, newest first
 * Timestamps travel as ARGV strings and sorted-set scores, never through
 * cjson, whose 14-digit number encoding is too coarse for epoch milliseconds.
 */

const HELPERS = `
-- Every key carries a TTL long enough for the job that needs it longest,
-- so a prefix nobody uses any more eventually disappears.
local function keep(key, ms)
  if redis.call('pttl', key) < ms then redis.call('pexpire', key, ms) end
end
local function dead_letter(id, job, attempts, err, failed_at, retention, limit)
  redis.call('lpush', KEYS[4], cjson.encode({
    id = id, type = job.type, payload = job.payload,
    attempts = attempts, lastError = err, failedAt = failed_at }))
  redis.call('ltrim', KEYS[4], 0, limit - 1)
  redis.call('pexpire', KEYS[4], retention)
end
`;

/** ARGV: id, job JSON, runAt, now, retentionMs. Returns 1 when added. */
const ADD = `${HELPERS}
if redis.call('hexists', KEYS[3], ARGV[1]) == 1 then return 0 end
redis.call('hset', KEYS[3], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[1], ARGV[3], ARGV[1])
local ms = math.max(tonumber(ARGV[3]) - tonumber(ARGV[4]), 0) + tonumber(ARGV[5])
keep(KEYS[1], ms)
keep(KEYS[3], ms)
return 1`;

/** ARGV: id. Returns 1 when a pending job was removed. */
const CANCEL = `
if redis.call('zrem', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('hdel', KEYS[3], ARGV[1])
return 1`;

/**
 * ARGV: now, leaseMs, limit, worker, retentionMs, deadLimit.
 * Returns a flat list: id, type, payload, attempt, dueAt for each claimed job.
 */
const CLAIM = `${HELPERS}
local now, lease_ms, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local retention, dead_limit = tonumber(ARGV[5]), tonumber(ARGV[6])
local claimed, count = {}, 0
local function take(from, id, due_at)
  redis.call('zrem', from, id)
  local raw = redis.call('hget', KEYS[3], id)
  if not raw then return end
  local job = cjson.decode(raw)
  job.attempt = job.attempt + 1
  if job.attempt > job.maxAttempts then
    -- Only a job whose worker was lost during its last attempt gets here.
    redis.call('hdel', KEYS[3], id)
    dead_letter(id, job, job.attempt - 1, 'lease expired: worker lost during attempt ' .. (job.attempt - 1),
      ARGV[1], retention, dead_limit)
    return
  end
  job.lease = ARGV[4] .. ':' .. job.attempt
  redis.call('hset', KEYS[3], id, cjson.encode(job))
  redis.call('zadd', KEYS[2], now + lease_ms, id)
  count = count + 1
  for _, v in ipairs({ id, job.type, job.payload, tostring(job.attempt), due_at }) do
    claimed[#claimed + 1] = v
  end
end
local lost = redis.call('zrangebyscore', KEYS[2], '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
for i = 1, #lost, 2 do take(KEYS[2], lost[i], lost[i + 1]) end
if count < limit then
  local due = redis.call('zrangebyscore', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit - count)
  for i = 1, #due, 2 do take(KEYS[1], due[i], due[i + 1]) end
end
if count > 0 then
  keep(KEYS[2], lease_ms + retention)
  keep(KEYS[3], lease_ms + retention)
end
return claimed`;

/** ARGV: id, lease, leaseUntil. Returns 1 when the lease was still held. */
const EXTEND = `
local raw = redis.call('hget', KEYS[3], ARGV[1])
if not raw or cjson.decode(raw).lease ~= ARGV[2] then return 0 end
redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
return 1`;

/** ARGV: id, lease. Returns 1 when the lease was still held and the job is gone. */
const COMPLETE = `
local raw = redis.call('hget', KEYS[3], ARGV[1])
if not raw or cjson.decode(raw).lease ~= ARGV[2] then return 0 end
redis.call('hdel', KEYS[3], ARGV[1])
redis.call('zrem', KEYS[2], ARGV[1])
return 1`;

/** ARGV: id, lease, error, retryAt, now, retentionMs, deadLimit. Returns 'retry', 'dead' or 'lost'. */
const FAIL = `${HELPERS}
local raw = redis.call('hget', KEYS[3], ARGV[1])
if not raw then return 'lost' end
local job = cjson.decode(raw)
if job.lease ~= ARGV[2] then return 'lost' end
redis.call('zrem', KEYS[2], ARGV[1])
local retention = tonumber(ARGV[6])
if job.attempt >= job.maxAttempts then
  redis.call('hdel', KEYS[3], ARGV[1])
  dead_letter(ARGV[1], job, job.attempt, ARGV[3], ARGV[5], retention, tonumber(ARGV[7]))
  return 'dead'
end
job.lease = nil
redis.call('hset', KEYS[3], ARGV[1], cjson.encode(job))
redis.call('zadd', KEYS[1], ARGV[4], ARGV[1])
local ms = math.max(tonumber(ARGV[4]) - tonumber(ARGV[5]), 0) + retention
keep(KEYS[1], ms)
keep(KEYS[3], ms)
return 'retry'`;

export type ScriptRunner = (keys: string[], args: (string | number)[]) => Promise<unknown>;

/** Runs by SHA and sends the source only when Redis does not have it cached (after a restart or SCRIPT FLUSH). */
function cachedScript(redis: Redis, source: string): ScriptRunner {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}

export function schedulerScripts(redis: Redis) {
  return {
    add: cachedScript(redis, ADD),
    cancel: cachedScript(redis, CANCEL),
    claim: cachedScript(redis, CLAIM),
    extend: cachedScript(redis, EXTEND),
    complete: cachedScript(redis, COMPLETE),
    fail: cachedScript(redis, FAIL),
  };
}
