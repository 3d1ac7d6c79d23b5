/**
 * The Lua script behind a fleet flush (shared-window.ts): in one call, for every key of the flush, it adds
 * the worker's pending buckets, drops buckets that left the window, keeps the key's expiry ahead, and
 * returns the window sums of the keys asked for. Atomic on the server, so concurrent workers never lose
 * an increment between the read and the write of a bucket.
 *
 * Layout of one key (a hash, `<prefix>at:<target>:<client>`):
 *   field `<bucketIndex>` = total, errors, latencySum, latencyCount, costSum, costCount as six little-endian
 *                           doubles (48 bytes, Redis Lua's struct library: no text to parse per bucket)
 *   field `x`             = the bucket index at which the key's PEXPIRE was last set (so the script sends
 *                           PEXPIRE once per bucket and key, not at every flush)
 *
 * KEYS: the flush's keys. ARGV: nowIndex, bucketCount, ttlMs; then per key, in KEYS order:
 *   read (1/0), n (buckets that follow), then n times: bucketIndex, total, errors, latencySum,
 *   latencyCount, costSum, costCount.
 * Reply: per key with read = 1, in KEYS order, eleven little-endian doubles (88 bytes): total, errors,
 *   latencySum, latencyCount, costSum, costCount, lastTotal, lastLatencySum, lastLatencyCount, lastCostSum,
 *   lastCostCount (binary, not numbers: Redis would truncate a Lua number to an integer, and formatting
 *   eleven floats as text per key cost more than the rest of the key's work).
 *
 * Every key of a call must live on one node: with Redis Cluster, put a hash tag in the keyPrefix.
 */
export const WINDOW_SCRIPT = `
local nowIndex = tonumber(ARGV[1])
local oldest = nowIndex - tonumber(ARGV[2]) + 1
local ttl = ARGV[3]

local function unpackBucket(s)
  if not s or #s ~= 48 then return 0, 0, 0, 0, 0, 0 end
  local t, e, ls, lc, cs, cc = struct.unpack('<dddddd', s)
  return t, e, ls, lc, cs, cc
end

local out = {}
local a = 4
for k = 1, #KEYS do
  local key = KEYS[k]
  local read = ARGV[a] == '1'
  local n = tonumber(ARGV[a + 1])
  a = a + 2

  local flat = redis.call('HGETALL', key)
  local buckets = {}
  local stale = {}
  local marker = nil
  for i = 1, #flat, 2 do
    local field = flat[i]
    if field == 'x' then
      marker = tonumber(flat[i + 1])
    else
      local index = tonumber(field)
      if index ~= nil then
        if index < oldest then stale[#stale + 1] = field else buckets[index] = flat[i + 1] end
      end
    end
  end

  local writes = {}
  for _ = 1, n do
    local index = tonumber(ARGV[a])
    -- A bucket that left the window while the flush travelled is dropped, as a local counter would.
    if index >= oldest then
      local t, e, ls, lc, cs, cc = unpackBucket(buckets[index])
      t = t + tonumber(ARGV[a + 1])
      e = e + tonumber(ARGV[a + 2])
      ls = ls + tonumber(ARGV[a + 3])
      lc = lc + tonumber(ARGV[a + 4])
      cs = cs + tonumber(ARGV[a + 5])
      cc = cc + tonumber(ARGV[a + 6])
      local packed = struct.pack('<dddddd', t, e, ls, lc, cs, cc)
      buckets[index] = packed
      writes[#writes + 1] = tostring(index)
      writes[#writes + 1] = packed
    end
    a = a + 7
  end

  if #writes > 0 then
    local renew = marker ~= nowIndex
    if renew then
      writes[#writes + 1] = 'x'
      writes[#writes + 1] = tostring(nowIndex)
    end
    redis.call('HSET', key, unpack(writes))
    if renew then redis.call('PEXPIRE', key, ttl) end
  end
  if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end

  if read then
    local T, E, LS, LC, CS, CC = 0, 0, 0, 0, 0, 0
    for index = oldest, nowIndex do
      local s = buckets[index]
      if s then
        local t, e, ls, lc, cs, cc = unpackBucket(s)
        T = T + t; E = E + e; LS = LS + ls; LC = LC + lc; CS = CS + cs; CC = CC + cc
      end
    end
    local lt, _, lls, llc, lcs, lcc = unpackBucket(buckets[nowIndex])
    out[#out + 1] = struct.pack('<ddddddddddd', T, E, LS, LC, CS, CC, lt, lls, llc, lcs, lcc)
  end
end
return out
`;
