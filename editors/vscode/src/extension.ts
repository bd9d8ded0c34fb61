// The distlint extension: starts `distlint server` (stdio) for Elixir files and adds two
// commands. Everything the user sees in the editor (diagnostics, hover, quick fixes) comes
// from the server through vscode-languageclient.

import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  DocumentSelector,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

const SECTION = "distlint";
const DEFAULT_DOCS_BASE_URL = "https://github.com/distlint/distlint/blob/main/docs";

// The Elixir language ids that Elixir extensions register (ElixirLS: elixir, eelixir, heex)
// plus a file pattern, so .ex/.exs files are linted even when no Elixir extension is
// installed and VS Code has no `elixir` language (the extension contributes no language or
// grammar of its own, so it never competes with the user's Elixir extension).
const DOCUMENT_SELECTOR: DocumentSelector = [
  { scheme: "file", language: "elixir" },
  { scheme: "file", language: "eelixir" },
  { scheme: "file", language: "heex" },
  { scheme: "file", pattern: "**/*.{ex,exs}" },
];

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let extensionContext: vscode.ExtensionContext;
// Serialises start/stop/restart so that commands and setting changes cannot interleave.
let lifecycle: Promise<void> = Promise.resolve();

/** The settings that the server reads (initializationOptions and workspace/configuration). */
interface ServerSettings {
  select: string[];
  ignore: string[];
  docsBaseUrl: string | null;
}

function serverSettings(scope?: vscode.ConfigurationScope): ServerSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const docsBaseUrl = config.get<string>("docsBaseUrl", "").trim();
  return {
    select: stringList(config.get("select")),
    ignore: stringList(config.get("ignore")),
    docsBaseUrl: docsBaseUrl === "" ? null : docsBaseUrl,
  };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The program to start: `distlint.path`, else the bundled binary, else `distlint` on PATH. */
function resolveBinary(): string {
  const configured = vscode.workspace.getConfiguration(SECTION).get<string>("path", "").trim();
  if (configured !== "") {
    if (configured.startsWith("~/")) {
      return path.join(process.env.HOME ?? "", configured.slice(2));
    }
    // A relative path with a directory (`./bin/distlint`) is relative to the first workspace
    // folder; a bare name (`distlint`) is looked up on PATH.
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!path.isAbsolute(configured) && /[\\/]/.test(configured) && folder?.uri.scheme === "file") {
      return path.join(folder.uri.fsPath, configured);
    }
    return configured;
  }
  const bundled = extensionContext.asAbsolutePath(
    path.join("bin", process.platform === "win32" ? "distlint.exe" : "distlint"),
  );
  if (fs.existsSync(bundled)) {
    if (process.platform !== "win32") {
      try {
        fs.accessSync(bundled, fs.constants.X_OK);
      } catch {
        // An archive tool may have dropped the executable bit.
        try {
          fs.chmodSync(bundled, 0o755);
        } catch (err) {
          output.appendLine(`could not make ${bundled} executable: ${String(err)}`);
        }
      }
    }
    return bundled;
  }
  return "distlint";
}

function docsBaseUrl(): string {
  return serverSettings().docsBaseUrl ?? DEFAULT_DOCS_BASE_URL;
}

function createClient(): LanguageClient {
  const command = resolveBinary();
  const extraArgs = stringList(vscode.workspace.getConfiguration(SECTION).get("serverArgs"));
  const run = {
    command,
    args: ["server", ...extraArgs],
    transport: TransportKind.stdio,
  };
  const serverOptions: ServerOptions = { run, debug: run };
  output.appendLine(`starting ${command} ${run.args.join(" ")}`);

  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    traceOutputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: { [SECTION]: serverSettings() },
    middleware: {
      workspace: {
        // Answer the `distlint` section with exactly what the server reads (not the
        // extension's own settings such as `path`).
        configuration: (params, token, next) => {
          const result: unknown[] = [];
          let other = false;
          for (const item of params.items) {
            if (item.section === SECTION) {
              const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
              result.push(serverSettings(scope));
            } else {
              other = true;
              result.push(null);
            }
          }
          if (!other) {
            return result;
          }
          return Promise.resolve(next(params, token)).then((answered) =>
            Array.isArray(answered)
              ? answered.map((value, i) =>
                  params.items[i].section === SECTION ? result[i] : value,
                )
              : answered,
          );
        },
      },
    },
  };
  return new LanguageClient("distlint", "distlint", serverOptions, clientOptions);
}

function enabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>("enable", true);
}

async function startClient(): Promise<void> {
  if (client || !enabled()) {
    return;
  }
  const next = createClient();
  client = next;
  try {
    await next.start();
    const info = next.initializeResult?.serverInfo;
    output.appendLine(`started ${info?.name ?? "distlint"} ${info?.version ?? ""}`.trimEnd());
  } catch (err) {
    client = undefined;
    const message = `distlint: could not start the language server: ${String(err)}`;
    output.appendLine(message);
    const choice = await vscode.window.showErrorMessage(
      `${message}. Install distlint (cargo install --locked --path crates/distlint) or set "distlint.path".`,
      "Open settings",
      "Show log",
    );
    if (choice === "Open settings") {
      void vscode.commands.executeCommand("workbench.action.openSettings", "distlint.path");
    } else if (choice === "Show log") {
      output.show(true);
    }
  }
}

async function stopClient(): Promise<void> {
  const current = client;
  client = undefined;
  if (current) {
    try {
      await current.stop();
    } catch (err) {
      output.appendLine(`stopping the server: ${String(err)}`);
    }
  }
}

function serially(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step, step);
  return lifecycle;
}

function restart(): Promise<void> {
  return serially(async () => {
    await stopClient();
    await startClient();
  });
}

/** Tells the server that its settings changed (it re-reads them and re-lints). */
async function pushSettings(): Promise<void> {
  const current = client;
  if (current?.isRunning()) {
    await current.sendNotification("workspace/didChangeConfiguration", {
      settings: { [SECTION]: serverSettings() },
    });
  }
}

interface RuleInfo {
  name: string;
  reference: string;
  severity: string;
  summary: string;
}

function listRules(): Promise<RuleInfo[]> {
  return new Promise((resolve, reject) => {
    execFile(
      resolveBinary(),
      ["rules", "--format", "json"],
      { timeout: 15_000, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout) => {
        if (err) {
          reject(err);
          return;
        }
        try {
          const parsed: unknown = JSON.parse(stdout);
          resolve(Array.isArray(parsed) ? (parsed as RuleInfo[]) : []);
        } catch (parseErr) {
          reject(parseErr);
        }
      },
    );
  });
}

/** The reference link of the distlint finding under the cursor, if any. */
function referenceUnderCursor(): vscode.Uri | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    return undefined;
  }
  const position = editor.selection.active;
  const findings = vscode.languages
    .getDiagnostics(editor.document.uri)
    .filter((d) => d.source === "distlint" && d.range.contains(position));
  for (const finding of findings) {
    const code = finding.code;
    if (code && typeof code === "object" && code.target instanceof vscode.Uri) {
      return code.target;
    }
  }
  return undefined;
}

async function openReference(): Promise<void> {
  const underCursor = referenceUnderCursor();
  if (underCursor) {
    await vscode.env.openExternal(underCursor);
    return;
  }
  let rules: RuleInfo[];
  try {
    rules = await listRules();
  } catch (err) {
    output.appendLine(`distlint rules --format json: ${String(err)}`);
    void vscode.window.showErrorMessage(
      `distlint: could not list the rules (${String(err)}). See the "distlint" output.`,
    );
    return;
  }
  const picked = await vscode.window.showQuickPick(
    rules.map((rule) => ({
      label: rule.name,
      description: `${rule.reference} · ${rule.severity}`,
      detail: rule.summary,
      rule,
    })),
    { placeHolder: "Open the reference page of a distlint rule", matchOnDetail: true },
  );
  if (picked) {
    const base = docsBaseUrl().replace(/\/+$/, "");
    const url = `${base}/reference/${picked.rule.reference}.md#${picked.rule.name}`;
    await vscode.env.openExternal(vscode.Uri.parse(url));
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionContext = context;
  output = vscode.window.createOutputChannel("distlint");
  context.subscriptions.push(output);

  context.subscriptions.push(
    vscode.commands.registerCommand("distlint.restart", async () => {
      if (!enabled()) {
        void vscode.window.showInformationMessage(
          'distlint is disabled ("distlint.enable": false).',
        );
        return;
      }
      await restart();
    }),
    vscode.commands.registerCommand("distlint.openReference", openReference),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (
        event.affectsConfiguration("distlint.enable") ||
        event.affectsConfiguration("distlint.path") ||
        event.affectsConfiguration("distlint.serverArgs")
      ) {
        await restart();
      } else if (
        event.affectsConfiguration("distlint.select") ||
        event.affectsConfiguration("distlint.ignore") ||
        event.affectsConfiguration("distlint.docsBaseUrl")
      ) {
        await pushSettings();
      }
    }),
    // Workspace values of distlint.path/serverArgs apply only once the workspace is trusted.
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      const config = vscode.workspace.getConfiguration(SECTION);
      const fromWorkspace = ["path", "serverArgs"].some((key) => {
        const values = config.inspect(key);
        return values?.workspaceValue !== undefined || values?.workspaceFolderValue !== undefined;
      });
      if (fromWorkspace) {
        await restart();
      }
    }),
  );

  await serially(startClient);
}

export function deactivate(): Promise<void> {
  return serially(stopClient);
}
