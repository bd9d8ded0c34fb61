-- distlint language server configuration for Neovim 0.11+ (`:help lsp-config`).
--
-- With this directory on 'runtimepath', `vim.lsp.enable("distlint")` is all a
-- user writes. Override anything with `vim.lsp.config("distlint", { ... })`,
-- for example the settings:
--
--   vim.lsp.config("distlint", {
--     settings = { distlint = { ignore = { "wall-clock-duration" } } },
--   })
--
-- The settings (`select`, `ignore`, `docsBaseUrl`) reach the server twice:
-- as `initializationOptions` when it starts (unless `init_options` is set
-- explicitly) and as the `distlint` section of `workspace/configuration`.

---@type vim.lsp.Config
return {
  cmd = { "distlint", "server" },
  -- The server lints `.ex` and `.exs` files (filetype `elixir`); attaching to
  -- EEx and HEEx buffers keeps one client per project for all of them.
  filetypes = { "elixir", "eelixir", "heex" },
  root_markers = { "mix.exs", ".git" },
  settings = {
    -- An empty dict, so it is sent as `{}` and not as `[]`.
    distlint = vim.empty_dict(),
  },
  before_init = function(params, config)
    if params.initializationOptions == nil then
      local settings = (config.settings or {}).distlint
      if settings ~= nil then
        params.initializationOptions = settings
      end
    end
  end,
}
