-- wrk script of scripts/load/run.sh: sends the requests of a file and
-- prints one machine-readable RESULT line at the end.
--
--   wrk -t THREADS ... -s requests.lua URL -- FILE THREADS MODE
--
-- FILE has one request a line: method, tab, path, tab, body (empty for a
-- request without a body). MODE is "repeat" (every connection sends the
-- first line again and again) or "once" (each line is sent once, split
-- among the threads). The bearer token comes from SECRETS_TOKEN; without
-- it, requests carry no Authorization header.
--
-- In "once" mode a thread that runs out of lines stops early. wrk 4.1
-- divides by the whole duration all the same, so the requests per second
-- here are computed over the measured window instead: from the first
-- request sent to the last response received, over all threads. The
-- window is printed, so a run whose lines ran out shows a short window.

local ffi = require("ffi")
ffi.cdef [[
   struct timespec { long tv_sec; long tv_nsec; };
   int clock_gettime(int clock_id, struct timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock_buffer = ffi.new("struct timespec")

-- Returns the monotonic clock in microseconds.
local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, clock_buffer)
   return tonumber(clock_buffer.tv_sec) * 1e6 + tonumber(clock_buffer.tv_nsec) / 1e3
end

local threads = {}

function setup(thread)
   thread:set("thread_index", #threads)
   table.insert(threads, thread)
end

function init(args)
   local file, thread_count, mode = args[1], tonumber(args[2]), args[3]
   if not (file and thread_count and (mode == "repeat" or mode == "once")) then
      error("usage: wrk ... -s requests.lua URL -- FILE THREADS repeat|once")
   end
   repeating = mode == "repeat"

   local token = os.getenv("SECRETS_TOKEN")
   requests = {}
   local line_index = 0
   for line in io.lines(file) do
      if repeating or line_index % thread_count == thread_index then
         local method, path, body = line:match("^(%u+)\t([^\t]+)\t(.*)$")
         if not method then
            error(file .. ": line " .. (line_index + 1) .. " is not METHOD<tab>PATH<tab>BODY")
         end
         local headers = {}
         if token then
            headers["Authorization"] = "Bearer " .. token
         end
         if body == "" then
            body = nil
         else
            headers["Content-Type"] = "application/json"
         end
         table.insert(requests, wrk.format(method, path, headers, body))
      end
      if repeating and line_index == 0 then
         break
      end
      line_index = line_index + 1
   end

   next_request = 1
   exhausted = 0
   non_2xx = 0
   first_sent_us = -1
   last_received_us = -1
end

function request()
   if first_sent_us < 0 then
      first_sent_us = now_us()
   end
   if repeating then
      return requests[1]
   end
   local next = requests[next_request]
   if next == nil then
      -- An empty request sends nothing, and the stop ends this thread's
      -- event loop before any connection asks again.
      exhausted = 1
      wrk.thread:stop()
      return ""
   end
   next_request = next_request + 1
   return next
end

function response(status, headers, body)
   last_received_us = now_us()
   if status < 200 or status > 299 then
      non_2xx = non_2xx + 1
   end
end

function done(summary, latency, requests)
   local non_2xx_total, exhausted_threads = 0, 0
   local window_start, window_end = math.huge, 0
   for _, thread in ipairs(threads) do
      non_2xx_total = non_2xx_total + thread:get("non_2xx")
      exhausted_threads = exhausted_threads + thread:get("exhausted")
      local first, last = thread:get("first_sent_us"), thread:get("last_received_us")
      if first >= 0 and last >= 0 then
         window_start = math.min(window_start, first)
         window_end = math.max(window_end, last)
      end
   end
   local window_us = math.max(window_end - window_start, 1)
   local errors = summary.errors
   io.write(string.format(
      "RESULT requests=%d window_us=%d rps=%.1f p50_us=%d p99_us=%d non_2xx=%d"
         .. " connect_errors=%d read_errors=%d write_errors=%d timeouts=%d exhausted_threads=%d\n",
      summary.requests, window_us, summary.requests / window_us * 1e6,
      latency:percentile(50), latency:percentile(99), non_2xx_total,
      errors.connect, errors.read, errors.write, errors.timeout, exhausted_threads))
end
