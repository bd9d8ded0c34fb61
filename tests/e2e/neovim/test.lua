-- End-to-end test of the distlint Neovim integration, run by run.sh inside a
-- real `nvim --headless --clean` with editors/neovim on the runtimepath and
-- `vim.lsp.enable("distlint")` already called. It drives the real
-- `distlint server` through Neovim's own LSP client.
--
-- Environment (set by run.sh):
--   DISTLINT_E2E_WORKSPACE  the fixture workspace (mix.exs, lib/app.ex, lib/other.ex,
--                           lib/app_web/page.html.heex)
--   DISTLINT_E2E_BIN        the distlint binary Neovim starts (through PATH)
--   DISTLINT_E2E_WAIT_MS    how long to wait for the client and diagnostics (30000)
--   DISTLINT_E2E_LOG        an LSP log level for Neovim's lsp.log (e.g. debug)
--
-- Prints one line per check to stdout, then
-- `neovim e2e: N passed, M failed`, and exits 0 only when nothing failed.

local WAIT_MS = tonumber(vim.env.DISTLINT_E2E_WAIT_MS) or 30000
local REQUEST_MS = 10000
local RULE = "rpc-without-timeout"
local FIX_TITLE = "Add an explicit 5_000 ms timeout"
local CUSTOM_DOCS = "https://example.test/distlint-docs"

-- DISTLINT_E2E_LOG=debug (or trace, info, ...) fills Neovim's lsp.log.
if vim.env.DISTLINT_E2E_LOG then
  vim.lsp.log.set_level(vim.env.DISTLINT_E2E_LOG)
end

local passed, failed = 0, 0
local finished = false

local function out(line)
  io.stdout:write(line, "\n")
  io.stdout:flush()
end

local function err(line)
  io.stderr:write(line, "\n")
  io.stderr:flush()
end

local function check(name, ok, detail)
  if ok then
    passed = passed + 1
    out("ok    " .. name)
  else
    failed = failed + 1
    err("FAIL  " .. name .. (detail and (": " .. detail) or ""))
  end
  return ok
end

-- An assertion the rest of the test depends on: fail and stop.
local Abort = {}
local function need(name, ok, detail)
  if not check(name, ok, detail) then
    error(Abort)
  end
end

local function finish()
  if finished then
    return
  end
  finished = true
  -- Stop every client so no server outlives the editor.
  for _, client in ipairs(vim.lsp.get_clients()) do
    client:stop(true)
  end
  out(("neovim e2e: %d passed, %d failed"):format(passed, failed))
  if failed > 0 or passed == 0 then
    vim.cmd("cquit 1")
  else
    vim.cmd("qall!")
  end
end

-- A last resort inside Neovim (run.sh also wraps nvim in `timeout`).
vim.defer_fn(function()
  if not finished then
    check("whole test finished within 240 s", false, "watchdog fired")
    finish()
  end
end, 240000)

local function wait(what, ms, cond)
  local ok = vim.wait(ms, cond, 50)
  if not ok then
    err(("timed out after %d ms waiting for %s"):format(ms, what))
  end
  return ok
end

--- The diagnostics distlint's client `client` put on `bufnr` (pushed or pulled).
local function client_diagnostics(bufnr, client)
  local result = {}
  for _, is_pull in ipairs({ false, true }) do
    local ns = vim.lsp.diagnostic.get_namespace(client.id, is_pull)
    vim.list_extend(result, vim.diagnostic.get(bufnr, { namespace = ns }))
  end
  return result
end

local function of_rule(diagnostics, rule)
  return vim.tbl_filter(function(d)
    return d.code == rule
  end, diagnostics)
end

local function codes(diagnostics)
  return table.concat(
    vim.tbl_map(function(d)
      return tostring(d.code)
    end, diagnostics),
    ", "
  )
end

--- The `distlint server` processes this Neovim started, directly or through a launcher:
--- its descendants whose executable is the binary under test. (The client object does not
--- expose the process id.)
local function server_pids()
  local binary = vim.uv.fs_realpath((assert(vim.env.DISTLINT_E2E_BIN, "DISTLINT_E2E_BIN is not set")))
  local me = vim.fn.getpid()
  local function parent(pid)
    local f = io.open("/proc/" .. pid .. "/stat")
    if not f then
      return nil
    end
    local stat = f:read("*a")
    f:close()
    -- "pid (comm) state ppid ..."; comm may itself hold spaces or parentheses.
    return tonumber(stat:match("^.*%) %S+ (%d+)"))
  end
  local pids = {}
  for name in vim.fs.dir("/proc") do
    local pid = tonumber(name)
    if pid and vim.uv.fs_readlink("/proc/" .. name .. "/exe") == binary then
      local p, hops = parent(pid), 0
      while p and p > 1 and p ~= me and hops < 20 do
        p, hops = parent(p), hops + 1
      end
      if p == me then
        table.insert(pids, pid)
      end
    end
  end
  return pids
end

local function alive(pid)
  return vim.uv.fs_stat("/proc/" .. pid) ~= nil
end

local function distlint_client(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = "distlint" })[1]
end

--- The result of `method` from `client` only, or nil and an error message.
local function request(bufnr, client, method, params)
  local responses, request_err = vim.lsp.buf_request_sync(bufnr, method, params, REQUEST_MS)
  if not responses then
    return nil, "no response: " .. tostring(request_err)
  end
  local response = responses[client.id]
  if not response then
    return nil, "no response from the distlint client"
  end
  if response.err then
    return nil, vim.inspect(response.err)
  end
  return response.result
end

--- The server's own `textDocument/diagnostic` answer for `bufnr`, sent on the
--- client's raw RPC channel: Neovim cancels pending pull requests it tracks for
--- a buffer whenever it pulls again itself (on attach, after each change), so
--- a tracked request could be cancelled under the test.
local function pull(bufnr, client)
  local done, response_err, report = false, nil, nil
  local sent = client.rpc.request("textDocument/diagnostic", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  }, function(e, result)
    done, response_err, report = true, e, result
  end)
  if not sent then
    return nil, "could not send textDocument/diagnostic"
  end
  if not vim.wait(REQUEST_MS, function()
    return done
  end, 20) then
    return nil, "no answer to textDocument/diagnostic within " .. REQUEST_MS .. " ms"
  end
  if response_err then
    return nil, vim.inspect(response_err)
  end
  return report
end

--- Opens `path`, waits for a distlint client and for `rule` diagnostics from it.
local function open_and_lint(path, rule, previous_client_id)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  need("filetype of " .. vim.fn.fnamemodify(path, ":t") .. " is elixir", vim.bo[bufnr].filetype == "elixir",
    "got '" .. vim.bo[bufnr].filetype .. "'")
  local client
  wait("the distlint client to attach", WAIT_MS, function()
    client = distlint_client(bufnr)
    return client ~= nil and client.initialized and client.id ~= previous_client_id
  end)
  need("distlint client attached", client ~= nil and client.id ~= previous_client_id)
  local diagnostics = {}
  wait(rule .. " diagnostics", WAIT_MS, function()
    diagnostics = client_diagnostics(bufnr, client)
    return #of_rule(diagnostics, rule) > 0
  end)
  need("diagnostic " .. rule .. " published", #of_rule(diagnostics, rule) > 0,
    "diagnostics: [" .. codes(diagnostics) .. "]")
  return bufnr, client, diagnostics
end

local function run()
  local workspace = assert(vim.env.DISTLINT_E2E_WORKSPACE, "DISTLINT_E2E_WORKSPACE is not set")
  local app = workspace .. "/lib/app.ex"
  local other = workspace .. "/lib/other.ex"

  local exits = {}
  vim.lsp.config("distlint", {
    on_exit = function(code, signal, client_id)
      exits[client_id] = { code = code, signal = signal }
    end,
  })

  -- 1. vim.lsp.enable("distlint") (done by run.sh) starts the server for an .ex file.
  local bufnr, client, diagnostics = open_and_lint(app, RULE)
  check("client root_dir is the workspace (mix.exs)",
    client.root_dir == vim.uv.fs_realpath(workspace) or client.root_dir == workspace,
    tostring(client.root_dir))
  check("server name from initialize is distlint",
    client.server_info ~= nil and client.server_info.name == "distlint",
    vim.inspect(client.server_info))
  local first_pids = server_pids()
  need("one distlint server process runs, started by this Neovim from DISTLINT_E2E_BIN", #first_pids == 1,
    vim.inspect(first_pids))
  local first_pid = first_pids[1]

  local finding = of_rule(diagnostics, RULE)
  check("exactly one " .. RULE .. " finding", #finding == 1, "got " .. #finding)
  local d = finding[1]
  check("diagnostic source is distlint", d.source == "distlint", tostring(d.source))
  check("diagnostic severity is WARN", d.severity == vim.diagnostic.severity.WARN, tostring(d.severity))

  -- The call `:erpc.call(n, Worker, :run, [])` on line 1 (0-based); ASCII, so
  -- byte, UTF-16 and UTF-32 columns agree.
  local line = vim.api.nvim_buf_get_lines(bufnr, 1, 2, true)[1]
  local firing_line = line
  local call = ":erpc.call(n, Worker, :run, [])"
  local start_col = assert(line:find(call, 1, true), "fixture line changed") - 1
  local end_col = start_col + #call
  check("expected range is 1:16-1:47", start_col == 16 and end_col == 47,
    ("%d-%d"):format(start_col, end_col))
  check(("diagnostic range is 1:%d-1:%d"):format(start_col, end_col),
    d.lnum == 1 and d.col == start_col and d.end_lnum == 1 and d.end_col == end_col,
    ("got %d:%d-%d:%d"):format(d.lnum, d.col, d.end_lnum, d.end_col))
  local lsp_diagnostic = vim.tbl_get(d, "user_data", "lsp")
  need("diagnostic carries the LSP diagnostic", lsp_diagnostic ~= nil)
  local r = lsp_diagnostic.range
  check("LSP range is {1,16}-{1,47}",
    r.start.line == 1 and r.start.character == start_col and r["end"].line == 1
      and r["end"].character == end_col,
    vim.inspect(r))
  check("LSP code is the rule name", lsp_diagnostic.code == RULE, tostring(lsp_diagnostic.code))
  local href = vim.tbl_get(lsp_diagnostic, "codeDescription", "href") or ""
  check("codeDescription links to the rule's reference section",
    href:find("/reference/clustering.md#" .. RULE, 1, true) ~= nil, href)

  -- 2. Hover at the finding.
  local uri = vim.uri_from_bufnr(bufnr)
  local hover, hover_err = request(bufnr, client, "textDocument/hover", {
    textDocument = { uri = uri },
    position = { line = 1, character = start_col + 3 },
  })
  local contents = hover and hover.contents or {}
  local value = type(contents) == "table" and contents.value or tostring(contents)
  check("hover returned markdown", hover ~= nil and contents.kind == "markdown",
    hover_err or vim.inspect(contents):sub(1, 200))
  check("hover explains 'Why it matters'", type(value) == "string" and value:find("Why it matters", 1, true) ~= nil,
    tostring(value):sub(1, 300))
  check("hover names the rule", type(value) == "string" and value:find(RULE, 1, true) ~= nil)

  -- 3. Code actions at the finding: apply the quick fix.
  local actions, actions_err = request(bufnr, client, "textDocument/codeAction", {
    textDocument = { uri = uri },
    range = lsp_diagnostic.range,
    context = { diagnostics = { lsp_diagnostic }, only = { "quickfix" } },
  })
  need("code actions returned", type(actions) == "table" and #actions > 0,
    actions_err or vim.inspect(actions))
  local titles = vim.tbl_map(function(a)
    return a.title
  end, actions)
  local fix, suppress
  for _, action in ipairs(actions) do
    if action.title == FIX_TITLE then
      fix = action
    elseif action.title == "Suppress " .. RULE .. " for this line" then
      suppress = action
    end
  end
  check("a 'Suppress " .. RULE .. " for this line' action is offered", suppress ~= nil,
    table.concat(titles, " | "))
  need("the '" .. FIX_TITLE .. "' action is offered", fix ~= nil, table.concat(titles, " | "))
  check("the fix is a preferred quickfix", fix.kind == "quickfix" and fix.isPreferred == true,
    vim.inspect({ kind = fix.kind, isPreferred = fix.isPreferred }))
  need("the fix carries a workspace edit", fix.edit ~= nil)
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
  local fixed = vim.api.nvim_buf_get_lines(bufnr, 1, 2, true)[1]
  check("buffer now contains 5_000", fixed:find("5_000", 1, true) ~= nil, fixed)
  check("the fixed line is exact", fixed == "  def f(n), do: :erpc.call(n, Worker, :run, [], 5_000)", fixed)

  -- 4. The server re-lints the edited buffer and the finding goes away.
  local remaining
  wait(RULE .. " diagnostics to disappear", WAIT_MS, function()
    remaining = of_rule(client_diagnostics(bufnr, client), RULE)
    return #remaining == 0
  end)
  check("after re-lint the " .. RULE .. " diagnostic is gone", #remaining == 0,
    #remaining .. " left")
  -- Ask the server directly, too: its lint of the current text has no finding.
  local report, report_err = pull(bufnr, client)
  local items = report and report.items or {}
  check("a fresh textDocument/diagnostic pull has no " .. RULE,
    report ~= nil and #vim.tbl_filter(function(i)
      return i.code == RULE
    end, items) == 0,
    report_err or vim.inspect(items):sub(1, 300))
  check("the distlint client is still attached", distlint_client(bufnr) ~= nil)

  -- 5. HEEx buffers attach to the same client; the server lints only .ex/.exs,
  -- so a pull for a template answers at once, with nothing. The template holds
  -- the very line that fired in app.ex, so linting it as Elixir would report it.
  local heex = workspace .. "/lib/app_web/page.html.heex"
  vim.cmd.edit(vim.fn.fnameescape(heex))
  local heex_buf = vim.api.nvim_get_current_buf()
  check("filetype of page.html.heex is heex", vim.bo[heex_buf].filetype == "heex",
    "got '" .. vim.bo[heex_buf].filetype .. "'")
  check("the HEEx file holds the line that fired " .. RULE .. " in app.ex (control)",
    vim.tbl_contains(vim.api.nvim_buf_get_lines(heex_buf, 0, -1, false), firing_line),
    vim.inspect(vim.api.nvim_buf_get_lines(heex_buf, 0, -1, false)))
  wait("the distlint client to attach to the HEEx buffer", WAIT_MS, function()
    return distlint_client(heex_buf) ~= nil
  end)
  local heex_client = distlint_client(heex_buf)
  check("the HEEx buffer shares the project's client", heex_client ~= nil and heex_client.id == client.id)
  local heex_report, heex_err = pull(heex_buf, client)
  check("a diagnostic pull for the HEEx buffer returns no items",
    heex_report ~= nil and #(heex_report.items or {}) == 0, heex_err or vim.inspect(heex_report))
  -- Nothing pushed either: give a lint that should not happen the time one takes.
  vim.wait(2000, function()
    return #client_diagnostics(heex_buf, client) > 0
  end, 50)
  check("no diagnostics were published for the HEEx buffer", #client_diagnostics(heex_buf, client) == 0,
    "diagnostics: [" .. codes(client_diagnostics(heex_buf, client)) .. "]")
  vim.cmd.buffer(bufnr)

  -- Control for step 7: without settings, other.ex reports prefer-erpc-over-rpc (and RULE).
  local control_buf, _, control_diagnostics = open_and_lint(other, "prefer-erpc-over-rpc")
  check("control: without settings other.ex also reports " .. RULE, #of_rule(control_diagnostics, RULE) == 1,
    "diagnostics: [" .. codes(control_diagnostics) .. "]")
  vim.api.nvim_buf_delete(control_buf, { force = true })
  vim.cmd.buffer(bufnr)

  -- 6. The server shuts down cleanly when the client stops.
  local first_id = client.id
  client:stop()
  wait("the server to exit", WAIT_MS, function()
    return exits[first_id] ~= nil
  end)
  check("server exited with code 0 after shutdown",
    exits[first_id] ~= nil and exits[first_id].code == 0 and exits[first_id].signal == 0,
    vim.inspect(exits[first_id]))
  check("the first server process (pid " .. first_pid .. ") is gone", not alive(first_pid)
    and #server_pids() == 0, ("pid %d %s; servers of this Neovim: %s"):format(first_pid,
      alive(first_pid) and "still runs" or "ended", vim.inspect(server_pids())))

  -- 7. require("distlint").setup{} with settings: a new server for another file.
  require("distlint").setup({
    settings = { ignore = { "prefer-erpc-over-rpc" }, docsBaseUrl = CUSTOM_DOCS },
  })
  -- Record the initialize params the plugin's before_init leaves for Neovim to send.
  local sent_init_options
  local plugin_before_init = vim.lsp.config.distlint.before_init
  vim.lsp.config("distlint", {
    before_init = function(params, config)
      plugin_before_init(params, config)
      sent_init_options = vim.deepcopy(params.initializationOptions)
    end,
  })
  local bufnr2, client2, diagnostics2 = open_and_lint(other, RULE, first_id)
  -- A new client object is not enough: a new server process must be behind it, and answer.
  local second_pids = server_pids()
  check("setup{}: a new server process serves the new client",
    #second_pids == 1 and second_pids[1] ~= first_pid and alive(second_pids[1]),
    ("first pid %d, now %s"):format(first_pid, vim.inspect(second_pids)))
  local report2, report2_err = pull(bufnr2, client2)
  check("setup{}: the new server answers a pull for other.ex with " .. RULE,
    report2 ~= nil and #vim.tbl_filter(function(i)
      return i.code == RULE
    end, report2.items or {}) == 1,
    report2_err or vim.inspect(report2):sub(1, 300))
  check("setup{}: client settings hold the distlint section",
    vim.tbl_get(client2, "settings", "distlint", "docsBaseUrl") == CUSTOM_DOCS,
    vim.inspect(client2.settings))
  check("setup{}: settings were sent as initializationOptions",
    type(sent_init_options) == "table" and sent_init_options.docsBaseUrl == CUSTOM_DOCS
      and vim.deep_equal(sent_init_options.ignore, { "prefer-erpc-over-rpc" }),
    vim.inspect(sent_init_options))
  check("setup{}: ignore setting drops prefer-erpc-over-rpc (reported above without it)",
    #of_rule(diagnostics2, "prefer-erpc-over-rpc") == 0
      and #vim.tbl_filter(function(i)
        return i.code == "prefer-erpc-over-rpc"
      end, report2 and report2.items or {}) == 0,
    "diagnostics: [" .. codes(diagnostics2) .. "]")
  local d2 = of_rule(diagnostics2, RULE)[1]
  local href2 = vim.tbl_get(d2, "user_data", "lsp", "codeDescription", "href") or ""
  check("setup{}: docsBaseUrl setting changes the rule link",
    href2 == CUSTOM_DOCS .. "/reference/clustering.md#" .. RULE, href2)
  vim.api.nvim_buf_delete(bufnr2, { force = true })
end

local ok, run_err = xpcall(run, function(e)
  if e == Abort then
    return e
  end
  return debug.traceback(tostring(e), 2)
end)
if not ok and run_err ~= Abort then
  check("test script ran without a Lua error", false, tostring(run_err))
end
finish()
