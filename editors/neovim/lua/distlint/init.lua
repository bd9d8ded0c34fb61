-- require("distlint").setup({ ... }): configure and enable the distlint
-- language server in one call (Neovim 0.11+). Equivalent to
--
--   vim.lsp.config("distlint", { ... })
--   vim.lsp.enable("distlint")
--
-- Options are those of `vim.lsp.config` (`cmd`, `filetypes`, `root_markers`,
-- `on_attach`, ...), with one convenience: `settings` may be given either as
-- `{ distlint = { ignore = {...} } }` or directly as `{ ignore = {...} }`.

local M = {}

local function has_nvim_011()
  return vim.fn.has("nvim-0.11") == 1 and vim.lsp.config ~= nil and vim.lsp.enable ~= nil
end

---@param opts? vim.lsp.Config
function M.setup(opts)
  if not has_nvim_011() then
    vim.notify(
      "distlint: Neovim 0.11 or newer is required (vim.lsp.config / vim.lsp.enable)",
      vim.log.levels.ERROR
    )
    return
  end
  opts = vim.deepcopy(opts or {})
  local settings = opts.settings
  if settings ~= nil and settings.distlint == nil then
    opts.settings = { distlint = next(settings) == nil and vim.empty_dict() or settings }
  end
  if opts.enabled == false then
    vim.lsp.enable("distlint", false)
    return
  end
  opts.enabled = nil
  vim.lsp.config("distlint", opts)
  vim.lsp.enable("distlint")
end

return M
