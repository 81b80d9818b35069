-- wrk script for every scenario: `wrk -s bench/load.lua URL -- <data.lua> <scenario>`.
-- The data file (written by bench/seed.py) holds tokens, ids, quiz bodies and the search
-- questions. Each thread walks its own share of the students, so one student's rows never
-- stand for all of them. done() prints one JSON line that bench/run.py reads.

local data, scenario
local threads = {}
local counter = 0
-- Globals, not locals: done() reads them from each thread with thread:get().
unexpected = 0
statuses = {}

-- What a scenario expects back; anything else counts as an error.
local EXPECTED = {
  noop = {[200] = true},
  list = {[200] = true},
  read = {[200] = true},
  locked = {[403] = true},
  search = {[200] = true},
  quiz_get = {[200] = true},
  quiz_submit = {[201] = true},
  progress = {[200] = true},
  checkin = {[200] = true},
  mixed = {[200] = true, [201] = true},
  session = {[200] = true, [201] = true},
  floor_cache_get = {[200] = true},
  floor_select = {[200] = true},
  floor_commit = {[200] = true},
}

local function urlencode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function bearer(student)
  return {["Authorization"] = "Bearer " .. student.token, ["Accept"] = "application/json"}
end

local function pick(list, n)
  return list[(n % #list) + 1]
end

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

local students, thread_count

function init(args)
  data = dofile(args[1])
  scenario = args[2]
  thread_count = tonumber(args[3]) or 1
  students = {}
  -- This thread's share of the students (every thread_count-th one).
  for i, student in ipairs(data.students) do
    if (i - 1) % thread_count == (thread_number or 0) then table.insert(students, student) end
  end
  if #students == 0 then students = data.students end
end

local function submit(student, n)
  local quiz = pick(student.quizzes, n)
  local headers = bearer(student)
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/api/v1/quizzes/" .. quiz .. "/submit", headers,
    data.quiz_bodies[tostring(quiz)])
end

local SINGLE = {
  noop = function(n) return wrk.format("GET", "/healthz") end,
  -- bench/floor_urls.py, served in the floors phase only.
  floor_cache_get = function(n) return wrk.format("GET", "/bench-floor/cache-get") end,
  floor_select = function(n) return wrk.format("GET", "/bench-floor/select") end,
  floor_commit = function(n) return wrk.format("GET", "/bench-floor/commit") end,
  list = function(n) return wrk.format("GET", "/api/v1/chapters") end,
  read = function(n)
    local student = pick(students, n)
    return wrk.format("GET", "/api/v1/chapters/" .. pick(student.chapters, n), bearer(student))
  end,
  locked = function(n)
    local student = pick(students, n)
    while #student.locked == 0 do
      n = n + 1
      student = pick(students, n)
    end
    return wrk.format("GET", "/api/v1/chapters/" .. pick(student.locked, n), bearer(student))
  end,
  search = function(n)
    local student = pick(students, n)
    return wrk.format("GET", "/api/v1/search?q=" .. urlencode(pick(data.questions, n)),
      bearer(student))
  end,
  quiz_get = function(n)
    local student = pick(students, n)
    return wrk.format("GET", "/api/v1/quizzes/" .. pick(student.quizzes, n), bearer(student))
  end,
  quiz_submit = function(n)
    -- Students first, then their quizzes: consecutive submits go to different students, so
    -- the daily attempt cap is never what gets measured.
    local student = pick(students, n)
    return submit(student, math.floor(n / #students))
  end,
  progress = function(n)
    return wrk.format("GET", "/api/v1/progress/me", bearer(pick(students, n)))
  end,
  checkin = function(n)
    return wrk.format("POST", "/api/v1/streaks/me/checkin", bearer(pick(students, n)))
  end,
}

-- One student's session after signing in: list, read, search, quiz, submit, progress, check in.
local SESSION = {
  function(s, n) return wrk.format("GET", "/api/v1/chapters", bearer(s)) end,
  function(s, n) return wrk.format("GET", "/api/v1/chapters/" .. pick(s.chapters, n), bearer(s)) end,
  function(s, n)
    return wrk.format("GET", "/api/v1/search?q=" .. urlencode(pick(data.questions, n)), bearer(s))
  end,
  function(s, n) return wrk.format("GET", "/api/v1/quizzes/" .. pick(s.quizzes, n), bearer(s)) end,
  function(s, n) return submit(s, n) end,
  function(s, n) return wrk.format("GET", "/api/v1/progress/me", bearer(s)) end,
  function(s, n) return wrk.format("POST", "/api/v1/streaks/me/checkin", bearer(s)) end,
}

function request()
  counter = counter + 1
  if scenario == "mixed" or scenario == "session" then
    -- Consecutive calls go to different students, and each student makes the session's calls
    -- in order, one round of the thread's students apart: one call in flight per student, as
    -- a person makes them, not seven at once that queue on the student's own locks. Each
    -- student starts at a step of their own, so one round is the whole mix, not 50 submits.
    local round = math.floor(counter / #students)
    local step = (round + counter % #students) % #SESSION
    return SESSION[step + 1](pick(students, counter), round)
  end
  return SINGLE[scenario](counter)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if not EXPECTED[scenario][status] then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local total_unexpected = 0
  local merged = {}
  for _, thread in ipairs(threads) do
    total_unexpected = total_unexpected + (thread:get("unexpected") or 0)
    for status, count in pairs(thread:get("statuses") or {}) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "unexpected_status": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "timeouts": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, total_unexpected, e.connect, e.read, e.write,
    e.timeout, table.concat(parts, ", ")))
end
