// Drives VS Code (code-server) in headless Chromium with playwright-core: opens the fixture
// workspace that run.sh prepared, then checks what a person would see: the Problems panel,
// the hover, and the quick fix. Run through run.sh, which sets:
//   E2E_URL        http://127.0.0.1:PORT/?folder=WORKSPACE
//   E2E_WORKSPACE  the fixture workspace (lib/app.ex has one rpc-without-timeout finding)
//   E2E_ARTIFACTS  where vscode.png (and failure screenshots) go
//   E2E_CHROMIUM   the browser (default /usr/bin/chromium)
//   E2E_DOCS_URL   the distlint.docsBaseUrl in the user settings (a local address)
//   E2E_DATA       code-server's --user-data-dir (its logs hold the "distlint" output)
//   E2E_BUNDLED_BINARY  bin/distlint inside the installed extension: the server must be this one
import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const url = process.env.E2E_URL;
const workspace = process.env.E2E_WORKSPACE;
const artifacts = process.env.E2E_ARTIFACTS;
const executablePath = process.env.E2E_CHROMIUM || "/usr/bin/chromium";
const docsUrl = process.env.E2E_DOCS_URL;
const data = process.env.E2E_DATA;
const bundledBinary = process.env.E2E_BUNDLED_BINARY;
if (!url || !workspace || !artifacts || !docsUrl || !data || !bundledBinary) {
  console.error("test.mjs: run it through tests/e2e/vscode/run.sh (E2E_URL, E2E_WORKSPACE, E2E_ARTIFACTS, E2E_DOCS_URL, E2E_DATA, E2E_BUNDLED_BINARY)");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const RULE = "rpc-without-timeout";
const FIX = "Add an explicit 5_000 ms timeout";
const mod = "Control";
const started = Date.now();
const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

const profile = mkdtempSync(join(tmpdir(), "distlint-e2e-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
// Nothing leaves this machine: every request that is not to the loopback address is refused.
await context.route(
  (u) => !["127.0.0.1", "localhost", "[::1]"].includes(u.hostname) && u.protocol !== "data:" && u.protocol !== "blob:",
  (route) => route.abort("blockedbyclient"),
);
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(30_000);

let shot = 0;
async function screenshot(name) {
  const file = join(artifacts, name);
  await page.screenshot({ path: file }).catch((err) => log(`screenshot ${name} failed: ${err.message}`));
  return file;
}

/** Runs a command from the command palette (F1), by its title. */
async function command(title) {
  await page.keyboard.press("Escape");
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(`>${title}`);
  const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first();
  await row.waitFor({ state: "visible" });
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").waitFor({ state: "hidden" }).catch(() => {});
}

/** Clicks away any trust or notification prompt that may have come up. */
async function dismissPrompts() {
  for (const name of ["Yes, I trust the authors", "Trust", "Trust Folder & Continue"]) {
    const button = page.getByRole("button", { name, exact: true });
    if (await button.first().isVisible().catch(() => false)) {
      log(`dismissing prompt: ${name}`);
      await button.first().click();
    }
  }
}

/** Moves the cursor in the active editor with Go to Line (Ctrl+G) "line:column". */
async function goTo(line, column) {
  await page.keyboard.press("Escape");
  await page.keyboard.press(`${mod}+G`);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  // Go to Line opens Quick Open with ":" typed; keep it, or this becomes a file search.
  await input.fill(`:${line}:${column}`);
  await page.locator(".quick-input-widget .quick-input-message, .quick-input-widget .monaco-list-row", { hasText: `${line}` }).first().waitFor({ timeout: 5_000 }).catch(() => {});
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").waitFor({ state: "hidden" }).catch(() => {});
}

const problems = () => page.locator(".markers-panel");
const editorText = async () =>
  ((await page.locator(".editor-instance .view-lines").first().textContent()) ?? "").replace(/\u00a0/g, " ");

/** The text of the "distlint" output channel, from code-server's log files. */
function outputLog() {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (/distlint\.log$/.test(name)) found.push(file);
    }
  };
  try {
    walk(join(data, "logs"));
  } catch {
    return "";
  }
  return found.map((f) => readFileSync(f, "utf8")).join("\n");
}
const startedCount = () => (outputLog().match(/^started distlint /gm) ?? []).length;
/** The programs the extension said it started ("starting PROGRAM server ..."), in order. */
const startedPrograms = () => [...outputLog().matchAll(/^starting (\S+) server\b/gm)].map((m) => m[1]);

/** The running `distlint server` processes started by this test's code-server, as { pid, exe }. */
function serverProcesses() {
  const parent = (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      return 0;
    }
  };
  const ourCodeServer = (pid) => {
    for (let p = parent(pid), hops = 0; p > 1 && hops < 20; p = parent(p), hops++) {
      let argv = "";
      try {
        argv = readFileSync(`/proc/${p}/cmdline`, "utf8");
      } catch {
        return false;
      }
      // code-server and its extension host carry the test's --user-data-dir or are under it.
      if (argv.includes(data)) return true;
    }
    return false;
  };
  const found = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let argv;
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (!/(^|\/)distlint$/.test(argv[0] ?? "") || argv[1] !== "server") continue;
    if (!ourCodeServer(name)) continue;
    let exe = "";
    try {
      exe = readlinkSync(`/proc/${name}/exe`);
    } catch {}
    found.push({ pid: Number(name), exe });
  }
  return found;
}
const bundledReal = realpathSync(bundledBinary);

const results = [];
async function check(name, body) {
  const t0 = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  } catch (err) {
    results.push({ name, ok: false });
    const file = await screenshot(`vscode-failure-${++shot}.png`);
    log(`FAIL ${name}: ${err.message.split("\n")[0]} (screenshot ${file})`);
  }
}

let fatal = null;
try {
  log(`opening ${url}`);
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: 60_000 });
  await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 90_000 });
  // The explorer shows the folder once the workbench has restored the workspace.
  await page.locator(".explorer-folders-view, .explorer-viewlet").first().waitFor({ timeout: 60_000 }).catch(() => {});
  await page.waitForTimeout(2_000);
  await dismissPrompts();
  log("workbench is up");

  // Quick Open the fixture file.
  await page.keyboard.press("Escape");
  await page.locator(".monaco-workbench").click({ position: { x: 700, y: 450 } }).catch(() => {});
  await page.keyboard.press(`${mod}+P`);
  const quickOpen = page.locator(".quick-input-widget input");
  await quickOpen.waitFor({ state: "visible" });
  await quickOpen.fill("app.ex");
  await page.locator(".quick-input-widget .monaco-list-row", { hasText: "app.ex" }).first().waitFor();
  await page.keyboard.press("Enter");
  await page.locator(".tabs-container .tab", { hasText: "app.ex" }).first().waitFor({ state: "visible" });
  await page.locator(".editor-instance .view-lines", { hasText: ":erpc.call" }).first().waitFor();
  log("lib/app.ex is open");
  await dismissPrompts();

  await check(`the Problems panel lists the ${RULE} finding`, async () => {
    await command("View: Focus Problems");
    await problems().first().waitFor({ state: "visible" });
    const row = problems().locator(".monaco-list-row", { hasText: RULE }).first();
    // First start of the server and the first lint: generous.
    await row.waitFor({ state: "visible", timeout: 90_000 });
    const text = (await row.textContent()) ?? "";
    if (!text.includes("distlint")) {
      throw new Error(`the Problems row does not name the source distlint: ${text}`);
    }
    log(`Problems: ${text.trim()}`);
  });

  await check("the server started is the binary bundled in the extension", async () => {
    // The output channel reaches its log file with a delay.
    const deadline = Date.now() + 20_000;
    while (startedPrograms().length === 0 && Date.now() < deadline) {
      await page.waitForTimeout(250);
    }
    const programs = startedPrograms();
    if (programs.length === 0) {
      throw new Error('the "distlint" output has no "starting ... server" line');
    }
    if (programs.some((p) => p !== bundledBinary && p !== bundledReal)) {
      throw new Error(`the extension started ${programs.join(", ")}, not ${bundledBinary}`);
    }
    const running = serverProcesses();
    if (running.length !== 1) {
      throw new Error(`expected one distlint server process under code-server, found ${JSON.stringify(running)}`);
    }
    if (running[0].exe !== bundledReal) {
      throw new Error(`the running server is ${running[0].exe}, not ${bundledReal}`);
    }
    log(`server: pid ${running[0].pid}, ${running[0].exe}`);
  });

  await check("hovering the finding explains why it matters", async () => {
    // Click into the editor, put the cursor on the call, then "Show or Focus Hover".
    await page.locator(".editor-instance .view-lines").first().click();
    await goTo(2, 22);
    const hover = page.locator(".monaco-hover", { hasText: "Why it matters" }).first();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await command("Show or Focus Hover");
      if (await hover.waitFor({ state: "visible", timeout: 15_000 }).then(() => true, () => false)) {
        break;
      }
      log(`hover not shown yet (attempt ${attempt})`);
    }
    await hover.waitFor({ state: "visible", timeout: 5_000 });
    const text = (await hover.textContent()) ?? "";
    if (!text.includes(RULE)) {
      throw new Error(`the hover does not name ${RULE}: ${text}`);
    }
    log(`hover: ${text.replace(/\s+/g, " ").slice(0, 160)}...`);
    await screenshot("vscode-hover.png");
    await page.keyboard.press("Escape");
  });

  // Runs `trigger`, which should open `expected` in a new browser page.
  async function expectOpened(trigger, expected) {
    const opened = context.waitForEvent("page", { timeout: 20_000 });
    await trigger();
    // VS Code may ask before opening a link outside the workbench.
    const open = page.getByRole("button", { name: "Open", exact: true });
    if (await open.first().isVisible().catch(() => false)) {
      await open.first().click();
    }
    const popup = await opened;
    await popup.waitForURL((u) => u.href !== "about:blank", { timeout: 10_000 }).catch(() => {});
    const href = popup.url();
    await popup.close().catch(() => {});
    if (href !== expected) {
      throw new Error(`opened ${href}, expected ${expected}`);
    }
    log(`opened ${href}`);
  }

  await check("distlint: Open reference page opens the finding's reference", async () => {
    await page.locator(".editor-instance .view-lines").first().click();
    await goTo(2, 22);
    const expected = `${docsUrl}/reference/clustering.md#${RULE}`;
    await expectOpened(() => command("distlint: Open reference page"), expected);
  });

  await check("distlint: Open reference page elsewhere offers the rules", async () => {
    await page.locator(".editor-instance .view-lines").first().click();
    await goTo(1, 1);
    await command("distlint: Open reference page");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible" });
    await input.fill("prefer-erpc");
    await page.locator(".quick-input-widget .monaco-list-row", { hasText: "prefer-erpc-over-rpc" }).first().waitFor();
    const expected = `${docsUrl}/reference/clustering.md#prefer-erpc-over-rpc`;
    await expectOpened(() => page.keyboard.press("Enter"), expected);
  });

  await check("distlint: Restart replaces the server process, and the new one reports the finding", async () => {
    const flushed = Date.now() + 20_000;
    while (startedCount() < 1 && Date.now() < flushed) {
      await page.waitForTimeout(250);
    }
    const before = startedCount();
    if (before < 1) {
      throw new Error('the "distlint" output has no "started distlint" line');
    }
    const oldPids = serverProcesses().map((p) => p.pid);
    if (oldPids.length !== 1) {
      throw new Error(`expected one running server before the restart, found ${oldPids.join(", ") || "none"}`);
    }
    const logBefore = outputLog().length;
    await command("distlint: Restart");
    // The Problems row cannot show the restart: VS Code clears the old server's findings and
    // lists the new server's in one render (watched with a MutationObserver, the row never
    // leaves the DOM). So: the old process must be gone, a new one running, and the LSP trace
    // written since the restart must hold a diagnostic report naming the rule.
    const reported = () => {
      const since = outputLog().slice(logBefore);
      const start = since.search(/^started distlint /m);
      if (start < 0) return false;
      return since
        .slice(start)
        .split(/^(?=\[Trace)/m)
        .some((entry) => /textDocument\/(publishDiagnostics|diagnostic)/.test(entry.split("\n")[0]) && entry.includes(`"${RULE}"`));
    };
    const restarted = () => {
      const now = serverProcesses();
      return now.length === 1 && !oldPids.includes(now[0].pid);
    };
    const deadline = Date.now() + 30_000;
    while (!(startedCount() > before && restarted() && reported()) && Date.now() < deadline) {
      await page.waitForTimeout(250);
    }
    if (startedCount() <= before) {
      throw new Error(`no new "started distlint" line in the output within 30 s (${before} before)`);
    }
    const now = serverProcesses();
    if (!restarted()) {
      throw new Error(`expected one new server process instead of pid ${oldPids.join(", ")}, found ${JSON.stringify(now)}`);
    }
    if (now[0].exe !== bundledReal) {
      throw new Error(`the restarted server is ${now[0].exe}, not ${bundledReal}`);
    }
    if (!reported()) {
      throw new Error(`the new server sent no diagnostic report with ${RULE} within 30 s (LSP trace in the "distlint" output)`);
    }
    await command("View: Focus Problems");
    await problems().locator(".monaco-list-row", { hasText: RULE }).first().waitFor({ state: "visible", timeout: 30_000 });
    log(`server restarted: pid ${oldPids[0]} -> ${now[0].pid}; the new server reported ${RULE}`);
  });

  await check(`the quick fix "${FIX}" removes the finding`, async () => {
    await page.locator(".editor-instance .view-lines").first().click();
    await goTo(2, 22);
    const item = page.locator(".action-widget .monaco-list-row, .context-view .monaco-list-row", { hasText: FIX }).first();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await page.keyboard.press(`${mod}+.`);
      if (await item.waitFor({ state: "visible", timeout: 15_000 }).then(() => true, () => false)) {
        break;
      }
      log(`quick fix menu not shown yet (attempt ${attempt})`);
      await page.keyboard.press("Escape");
    }
    await screenshot("vscode-quickfix-menu.png");
    // Choose it with the keyboard, as a person with Ctrl+. would: down to the row, Enter.
    const menu = page.locator(".action-widget").first();
    for (let i = 0; i < 8; i++) {
      const focused = (await menu.locator(".monaco-list-row.focused").first().textContent().catch(() => "")) ?? "";
      if (focused.includes(FIX)) {
        break;
      }
      await page.keyboard.press("ArrowDown");
    }
    const focused = (await menu.locator(".monaco-list-row.focused").first().textContent().catch(() => "")) ?? "";
    if (!focused.includes(FIX)) {
      throw new Error(`could not select "${FIX}" in the quick fix menu (focused: ${focused})`);
    }
    await page.keyboard.press("Enter");
    await page.locator(".editor-instance .view-lines", { hasText: "5_000" }).first().waitFor({ timeout: 15_000 });
    const text = await editorText();
    if (!text.includes("5_000")) {
      throw new Error(`the editor text has no 5_000: ${text}`);
    }
    await command("View: Focus Problems");
    await problems().first().waitFor({ state: "visible" });
    await problems().locator(".monaco-list-row", { hasText: RULE }).first().waitFor({ state: "detached", timeout: 30_000 });
    const panel = (await problems().first().textContent()) ?? "";
    if (panel.includes(RULE)) {
      throw new Error(`the Problems panel still lists ${RULE}: ${panel}`);
    }
    // Save, and check the file on disk too.
    await page.locator(".editor-instance .view-lines").first().click();
    await page.keyboard.press(`${mod}+S`);
    const file = join(workspace, "lib", "app.ex");
    const deadline = Date.now() + 15_000;
    while (!readFileSync(file, "utf8").includes("5_000") && Date.now() < deadline) {
      await page.waitForTimeout(250);
    }
    const saved = readFileSync(file, "utf8");
    if (!saved.includes("5_000")) {
      throw new Error(`lib/app.ex on disk has no 5_000 after saving: ${saved}`);
    }
    log(`after the fix: ${saved.split("\n").find((l) => l.includes("5_000")).trim()}`);
    await command("View: Focus Problems");
    await page.waitForTimeout(1_000);
  });

  await check("after the quick fix the server still lints: a new line is reported", async () => {
    // A new clause with the call the fix just repaired: the finding, gone since the fix, is back.
    await page.locator(".editor-instance .view-lines").first().click();
    await goTo(2, 200);
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    // insertText, not type: no bracket auto-closing on the way.
    await page.keyboard.insertText("def g(n), do: :erpc.call(n, Worker, :run, [])");
    await page.locator(".editor-instance .view-lines", { hasText: "def g(n)" }).first().waitFor({ timeout: 10_000 });
    await command("View: Focus Problems");
    const row = problems().locator(".monaco-list-row", { hasText: RULE }).first();
    await row.waitFor({ state: "visible", timeout: 30_000 });
    const text = (await row.textContent()) ?? "";
    if (!text.includes("Ln 3")) {
      throw new Error(`expected the new ${RULE} finding on line 3: ${text}`);
    }
    log(`the new line is reported: ${RULE} on line 3`);
    await screenshot("vscode-after-fix-edit.png");
  });
} catch (err) {
  fatal = err;
  console.error(`vscode e2e: setup failed: ${err.message.split("\n")[0]}`);
}

const final = await screenshot("vscode.png");
log(`screenshot: ${final}`);
await context.close().catch(() => {});
rmSync(profile, { recursive: true, force: true });

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (fatal ? 1 : 0);
const runStarted = Number(process.env.E2E_RUN_STARTED);
if (runStarted > 0) {
  console.log(`vscode e2e: took ${Math.round(Date.now() / 1000 - runStarted)} s in all; screenshots in ${artifacts}`);
}
console.log(`vscode e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed === results.length && passed > 0 ? 0 : 1);
