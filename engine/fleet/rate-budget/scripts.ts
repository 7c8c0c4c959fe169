/**
 * The shared rate budget's decisions, made in Redis by Lua scripts so that every process
 * sees one queue and one window (docs/fleet.md, "The shared rate budget"). Each script is
 * atomic: no two processes ever decide on the same slot.
 *
 * Keys of one budget, all under its prefix `P` (`<root>rb:{<budget id>}:`; the braces keep
 * them in one cluster slot):
 *   P..'win'           ZSET  ticket → time its slot was granted, then started, then sent (ms, Redis clock)
 *   P..'res'           HASH  ticket → grant time, for slots granted to another process and not yet claimed
 *   P..'tk'            HASH  ticket → "owner|tenant|priority" while queued or reserved
 *   P..'q:'..p..':'..t LIST  queued tickets of tenant t at priority p (FIFO)
 *   P..'ring:'..p      LIST  tenants with queued tickets at priority p (round robin), P..'ringset:'..p the same as a SET
 *   P..'procs'         HASH  owner (one per process) → lease end; a process that stops renewing it is dead
 *   P..'meta'          HASH  readyAt (cold start), pausedUntil (after a 429), last (the latest grant)
 * A slot granted to another process is announced on `<root>grants:<owner>` as "P|ticket".
 *
 * Times come from Redis (`TIME`), one clock for every process. Lua numbers returned to the
 * client would be truncated to integers, so times travel as strings.
 */

const COMMON = `
local P = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local DAY = 86400000
-- Grants of one budget are at least PACE × window / limit apart (below 1: the window, not
-- the pace, sets the rate; the pace only keeps grants from leaving in bursts).
local PACE = 0.8
local PRIORITIES = {'0', '1', '2'}

local function owner_of(info)
  return string.match(info, '^([^|]*)')
end

local function alive(owner, now)
  local lease = redis.call('HGET', P .. 'procs', owner)
  return lease and tonumber(lease) >= now
end

local function heartbeat(owner, now, lease_ms)
  redis.call('HSET', P .. 'procs', owner, now + lease_ms)
  redis.call('PEXPIRE', P .. 'procs', DAY)
end

-- A budget without state is one Redis no longer remembers (restarted: it keeps nothing on
-- disk here) or one idle for a day: slots granted before are unknown, so nothing is granted
-- until one full window has passed.
local function ready_at(now, window)
  local ready = redis.call('HGET', P .. 'meta', 'readyAt')
  if not ready then
    ready = now + window
    redis.call('HSET', P .. 'meta', 'readyAt', tostring(ready))
  end
  redis.call('PEXPIRE', P .. 'meta', DAY)
  return tonumber(ready)
end

local function enqueue_tenant(p, tenant, front)
  if redis.call('SADD', P .. 'ringset:' .. p, tenant) == 1 then
    if front then redis.call('LPUSH', P .. 'ring:' .. p, tenant) else redis.call('RPUSH', P .. 'ring:' .. p, tenant) end
  end
  redis.call('PEXPIRE', P .. 'ring:' .. p, DAY)
  redis.call('PEXPIRE', P .. 'ringset:' .. p, DAY)
end

-- Slots granted to a process that did not claim them in time are given back: they were
-- never started, so they only cost the wait.
local function release_unclaimed(now, claim_timeout)
  local res = redis.call('HGETALL', P .. 'res')
  for i = 1, #res, 2 do
    if now - tonumber(res[i + 1]) > claim_timeout then
      redis.call('HDEL', P .. 'res', res[i])
      redis.call('ZREM', P .. 'win', res[i])
      redis.call('HDEL', P .. 'tk', res[i])
    end
  end
end

-- The next ticket to serve: highest priority first; within a priority the tenants take
-- turns (round robin), each tenant's tickets in arrival order. Tickets of dead processes
-- and cancelled tickets are dropped on the way.
local function next_ticket(now)
  for _, p in ipairs(PRIORITIES) do
    local ring = P .. 'ring:' .. p
    local turns = redis.call('LLEN', ring)
    for _ = 1, turns do
      local tenant = redis.call('LPOP', ring)
      if not tenant then break end
      local q = P .. 'q:' .. p .. ':' .. tenant
      local found = nil
      while not found do
        local ticket = redis.call('LPOP', q)
        if not ticket then break end
        local info = redis.call('HGET', P .. 'tk', ticket)
        if info then
          local owner = owner_of(info)
          if alive(owner, now) then found = { ticket, owner } else redis.call('HDEL', P .. 'tk', ticket) end
        end
      end
      if redis.call('LLEN', q) > 0 then
        redis.call('RPUSH', ring, tenant)
      else
        redis.call('SREM', P .. 'ringset:' .. p, tenant)
      end
      if found then return found end
    end
  end
  return nil
end

-- Grant every free slot of the window. A slot of the calling process starts now (the
-- caller starts it on return, or gives it up); another process's is reserved until it
-- claims it. Returns the caller's tickets and when to look again.
local function dispatch(now, me, limit, window, claim_timeout)
  release_unclaimed(now, claim_timeout)
  redis.call('ZREMRANGEBYSCORE', P .. 'win', '-inf', now - window)
  local hold = ready_at(now, window)
  local paused = tonumber(redis.call('HGET', P .. 'meta', 'pausedUntil') or '0')
  if paused > hold then hold = paused end
  local mine = {}
  -- Paced: one grant at a time, at least 'spacing' after the one before. A window's worth
  -- granted at once would leave together and queue up on the way (one process sends them
  -- one after another), arriving spread over hundreds of milliseconds, while the next
  -- window's first ones travel alone: the server would see more than the limit in a
  -- second although no window of starts held more.
  local spacing = math.floor(window * PACE / limit)
  local last = tonumber(redis.call('HGET', P .. 'meta', 'last') or '0')
  if now >= hold then
    local room = limit - redis.call('ZCARD', P .. 'win')
    while room > 0 and now >= last + spacing do
      local grant = next_ticket(now)
      if not grant then break end
      last = now
      redis.call('HSET', P .. 'meta', 'last', tostring(now))
      redis.call('ZADD', P .. 'win', now, grant[1])
      if grant[2] == me then
        redis.call('HDEL', P .. 'tk', grant[1])
        table.insert(mine, grant[1])
      else
        redis.call('HSET', P .. 'res', grant[1], tostring(now))
        redis.call('PEXPIRE', P .. 'res', DAY)
        redis.call('PUBLISH', ARGV[2] .. 'grants:' .. grant[2], P .. '|' .. grant[1])
      end
      room = room - 1
    end
    redis.call('PEXPIRE', P .. 'win', window * 2 + 1000)
  end
  local count = redis.call('ZCARD', P .. 'win')
  local wake = -1
  if now < hold then
    wake = hold - now
  elseif count >= limit then
    local oldest = redis.call('ZRANGE', P .. 'win', 0, 0, 'WITHSCORES')
    wake = math.max(tonumber(oldest[2]) + window, last + spacing) - now
  elseif now < last + spacing then
    wake = last + spacing - now
  end
  return mine, wake, count
end
`;

/**
 * ARGV: P, root, owner, limit, window, claimTimeout, lease, ticket, tenant, priority.
 * Queue one ticket, then dispatch. Returns {wake, inUse, mine}.
 */
export const ENQUEUE = `${COMMON}
local me, limit, window, claim_timeout, lease = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local ticket, tenant, p = ARGV[8], ARGV[9], ARGV[10]
local now = now_ms()
heartbeat(me, now, lease)
redis.call('HSET', P .. 'tk', ticket, me .. '|' .. tenant .. '|' .. p)
redis.call('PEXPIRE', P .. 'tk', DAY)
local q = P .. 'q:' .. p .. ':' .. tenant
redis.call('RPUSH', q, ticket)
redis.call('PEXPIRE', q, DAY)
enqueue_tenant(p, tenant, false)
local mine, wake, count = dispatch(now, me, limit, window, claim_timeout)
return { tostring(wake), tostring(count), mine }
`;

/**
 * ARGV: P, root, owner, limit, window, claimTimeout, lease, then the caller's waiting tickets.
 * Renew the lease, dispatch, and report which of the caller's tickets were granted to it
 * (reserved: claim them), and which Redis no longer knows (re-queue them).
 * Returns {wake, inUse, mine, reserved, gone}.
 */
export const TICK = `${COMMON}
local me, limit, window, claim_timeout, lease = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local now = now_ms()
heartbeat(me, now, lease)
local mine, wake, count = dispatch(now, me, limit, window, claim_timeout)
local reserved, gone = {}, {}
local granted = {}
for _, t in ipairs(mine) do granted[t] = true end
for i = 8, #ARGV do
  local t = ARGV[i]
  if not granted[t] then
    if redis.call('HEXISTS', P .. 'res', t) == 1 then
      table.insert(reserved, t)
    elseif redis.call('HEXISTS', P .. 'tk', t) == 0 then
      table.insert(gone, t)
    end
  end
end
return { tostring(wake), tostring(count), mine, reserved, gone }
`;

/**
 * ARGV: P, root, owner, ticket, window, claimTimeout.
 * Start a slot reserved for the caller: its time in the window becomes now. During a pause
 * (a 429 came in since it was granted) the slot is given back and the ticket goes back to
 * the front of its tenant's queue. Returns {'ok', inUse} | {'paused', wake} | {'lost'}.
 */
export const CLAIM = `${COMMON}
local me, ticket, window, claim_timeout = ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local now = now_ms()
local granted = redis.call('HGET', P .. 'res', ticket)
if not granted or now - tonumber(granted) > claim_timeout then
  if granted then
    redis.call('HDEL', P .. 'res', ticket)
    redis.call('ZREM', P .. 'win', ticket)
    redis.call('HDEL', P .. 'tk', ticket)
  end
  return { 'lost' }
end
redis.call('HDEL', P .. 'res', ticket)
local paused = tonumber(redis.call('HGET', P .. 'meta', 'pausedUntil') or '0')
if now < paused then
  redis.call('ZREM', P .. 'win', ticket)
  local info = redis.call('HGET', P .. 'tk', ticket)
  if not info then return { 'lost' } end
  local _, tenant, p = string.match(info, '^([^|]*)|([^|]*)|([^|]*)$')
  redis.call('LPUSH', P .. 'q:' .. p .. ':' .. tenant, ticket)
  enqueue_tenant(p, tenant, true)
  return { 'paused', tostring(paused - now) }
end
redis.call('HDEL', P .. 'tk', ticket)
redis.call('ZADD', P .. 'win', 'XX', now, ticket)
return { 'ok', tostring(redis.call('ZCARD', P .. 'win')) }
`;

/**
 * ARGV: P, root, ticket, [started]. Withdraw a ticket; a slot reserved for it is given back,
 * and with `started` also a slot granted to it that its process did not start after all.
 */
export const CANCEL = `${COMMON}
local ticket = ARGV[3]
redis.call('HDEL', P .. 'tk', ticket)
if redis.call('HDEL', P .. 'res', ticket) == 1 or ARGV[4] == 'started' then redis.call('ZREM', P .. 'win', ticket) end
return 1
`;

/**
 * ARGV: P, root, ticket. The request of a started slot has left (its last checks done, the
 * HTTP client sending it): its time in the window becomes now, so the window holds when
 * requests were sent, not when their slots were granted — whatever ran in between (the
 * write guard's look at Redis, a stalled event loop) no longer shortens the gap to the next
 * window's requests. A slot the window no longer holds (Redis restarted) is left alone.
 */
export const SENT = `${COMMON}
local now = now_ms()
local at = redis.call('ZSCORE', P .. 'win', ARGV[3])
if at and now > tonumber(at) then redis.call('ZADD', P .. 'win', 'XX', now, ARGV[3]) end
return 1
`;

/** ARGV: P, root, ms. Grant nothing on this budget for `ms` from now (after a 429). */
export const PAUSE = `${COMMON}
local now = now_ms()
local until_ms = now + tonumber(ARGV[3])
local current = tonumber(redis.call('HGET', P .. 'meta', 'pausedUntil') or '0')
if until_ms > current then redis.call('HSET', P .. 'meta', 'pausedUntil', tostring(until_ms)) end
redis.call('PEXPIRE', P .. 'meta', DAY)
return 1
`;
