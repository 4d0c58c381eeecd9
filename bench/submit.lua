-- wrk script: POST /tell with a different server-issued token per request.
local threads = {}
local counter = 1
function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end
function init(args)
  tokens = {}
  for line in io.lines(os.getenv("TOKENS_FILE")) do tokens[#tokens + 1] = line end
  n = 0
  step = tonumber(os.getenv("WRK_THREADS"))
end
function request()
  local i = ((id - 1) + n * step) % #tokens + 1
  n = n + 1
  local body = "token=" .. tokens[i] .. "&text=Benchmark+worry%3A+someone+keeps+messaging+me&urgency=soon&about=me&involves=nobody&kind=bullying&wants_contact=no"
  return wrk.format("POST", "/tell", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
