-- The paced mixed run: bench/load.lua's session, with each connection pausing like a student
-- between one response and its next call. wrk measures latency from the write of a request, so
-- the pause is never counted in it.
--   wrk -s bench/session.lua URL -- <data.lua> session <threads> <think_min_ms> <think_max_ms>

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "load.lua")

local load_init = init
local think_min, think_max

function init(args)
  load_init(args)
  think_min = tonumber(args[4]) or 250
  think_max = tonumber(args[5]) or think_min
  -- Each thread its own sequence, so the threads' students do not pause in step.
  math.randomseed(os.time() + (thread_number or 0) * 7919)
end

function delay()
  return math.random(think_min, think_max)
end
