//! The LanguageServer implementation: capabilities, and handlers that forward
//! to the owner task (see `owner.rs` for why the first act is always a send).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::oneshot;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::diagnostics::SOURCE;
use crate::owner::{self, Event};
use crate::position::Encoding;
use crate::settings::Settings;

pub struct Backend {
    client: Client,
    owner: owner::Sender,
    /// Set by `shutdown`: `exit` then ends the process with 0, otherwise 1.
    shutdown_requested: Arc<AtomicBool>,
    folders: std::sync::Mutex<Vec<PathBuf>>,
    watch_registration: AtomicBool,
    configuration_pull: AtomicBool,
}

/// The owner task outlives nothing: when the server ends, it is told to stop.
impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.owner.send(Event::Stop);
    }
}

impl Backend {
    pub fn new(client: Client, shutdown_requested: Arc<AtomicBool>) -> Backend {
        let owner = owner::spawn(client.clone());
        Backend {
            client,
            owner,
            shutdown_requested,
            folders: std::sync::Mutex::new(Vec::new()),
            watch_registration: AtomicBool::new(false),
            configuration_pull: AtomicBool::new(false),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn send(&self, event: Event) {
        // The owner lives as long as the server; a failed send means shutdown.
        let _ = self.owner.send(event);
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Event) -> Option<T> {
        let (reply, answer) = oneshot::channel();
        self.send(make(reply));
        answer.await.ok()
    }

    fn folders(&self) -> Vec<PathBuf> {
        self.folders.lock().map(|f| f.clone()).unwrap_or_default()
    }
}

fn is_elixir(uri: &Uri) -> bool {
    let path = uri.path().as_str();
    path.ends_with(".ex") || path.ends_with(".exs")
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let general = params.capabilities.general.as_ref();
        let encoding = Encoding::negotiate(general.and_then(|g| g.position_encodings.as_deref()));
        let text_document = params.capabilities.text_document.as_ref();
        let pull_diagnostics = text_document.is_some_and(|t| t.diagnostic.is_some());
        let work_done_progress = params
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false);
        let workspace = params.capabilities.workspace.as_ref();
        let diagnostic_refresh = workspace
            .and_then(|w| w.diagnostics.as_ref())
            .and_then(|d| d.refresh_support)
            .unwrap_or(false);
        self.watch_registration.store(
            workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            Ordering::SeqCst,
        );
        self.configuration_pull.store(
            workspace.and_then(|w| w.configuration).unwrap_or(false),
            Ordering::SeqCst,
        );

        let settings = match params
            .initialization_options
            .as_ref()
            .map(Settings::from_value)
        {
            Some(Ok(settings)) => settings,
            Some(Err(message)) => {
                eprintln!("distlint: {message}");
                Settings::default()
            }
            None => Settings::default(),
        };
        let mut folders: Vec<PathBuf> = params
            .workspace_folders
            .unwrap_or_default()
            .iter()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        #[allow(deprecated)]
        if folders.is_empty() {
            if let Some(root) = params.root_uri.as_ref().and_then(|u| u.to_file_path()) {
                folders.push(root.into_owned());
            }
        }
        if let Ok(mut stored) = self.folders.lock() {
            *stored = folders;
        }
        self.send(Event::Initialize {
            encoding,
            settings,
            pull_diagnostics,
            diagnostic_refresh,
            work_done_progress,
        });

        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "distlint".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                diagnostic_provider: pull_diagnostics.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some(SOURCE.to_string()),
                        inter_file_dependencies: true,
                        workspace_diagnostics: false,
                        ..DiagnosticOptions::default()
                    })
                }),
                ..ServerCapabilities::default()
            },
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.send(Event::Scan {
            folders: self.folders(),
        });
        if self.watch_registration.load(Ordering::SeqCst) {
            let watchers = [
                "**/.distlint.toml",
                "**/mix.exs",
                "**/config/*.exs",
                // Baselines: the documented name and the like (see baseline.rs).
                "**/*baseline*.json",
            ]
            .into_iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .collect();
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = Registration {
                id: "distlint-project-files".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(err) = self.client.register_capability(vec![registration]).await {
                eprintln!("distlint: could not watch project files: {err}");
            }
        }
        if self.configuration_pull.load(Ordering::SeqCst) {
            self.pull_configuration().await;
        }
    }

    async fn shutdown(&self) -> Result<()> {
        self.shutdown_requested.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        if !is_elixir(&document.uri) && document.language_id != "elixir" {
            return;
        }
        self.send(Event::Open {
            uri: document.uri,
            version: document.version,
            text: document.text,
        });
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        self.send(Event::Change {
            uri: params.text_document.uri,
            version: params.text_document.version,
            changes: params.content_changes,
        });
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.send(Event::Close {
            uri: params.text_document.uri,
        });
    }

    async fn did_change_watched_files(&self, _: DidChangeWatchedFilesParams) {
        self.send(Event::ProjectFilesChanged);
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let pushed = match &params.settings {
            Value::Null => None,
            Value::Object(map) if map.is_empty() => None,
            value => Some(value.clone()),
        };
        match pushed {
            Some(value) => match Settings::from_value(&value) {
                Ok(settings) => self.send(Event::SettingsChanged(settings)),
                Err(message) => self.client.log_message(MessageType::WARNING, message).await,
            },
            // An empty push means "ask me" (workspace/configuration).
            None if self.configuration_pull.load(Ordering::SeqCst) => {
                self.pull_configuration().await
            }
            None => {}
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        Ok(self
            .ask(|reply| Event::Hover {
                uri: position.text_document.uri,
                position: position.position,
                reply,
            })
            .await
            .flatten())
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let actions = self
            .ask(|reply| Event::CodeActions {
                params: Box::new(params),
                reply,
            })
            .await
            .unwrap_or_default();
        Ok(Some(actions))
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let items = self
            .ask(|reply| Event::Pull {
                uri: params.text_document.uri,
                reply,
            })
            .await
            .ok_or_else(Error::internal_error)?;
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }
}

impl Backend {
    /// `workspace/configuration` for the `distlint` section.
    async fn pull_configuration(&self) {
        let items = vec![ConfigurationItem {
            scope_uri: None,
            section: Some("distlint".to_string()),
        }];
        match self.client.configuration(items).await {
            Ok(values) => {
                let value = values.into_iter().next().unwrap_or(Value::Null);
                let unset = match &value {
                    Value::Null => true,
                    Value::Object(map) => map.is_empty(),
                    _ => false,
                };
                if unset {
                    // Nothing configured on the editor side: keep initializationOptions.
                    return;
                }
                match Settings::from_value(&value) {
                    Ok(settings) => self.send(Event::SettingsChanged(settings)),
                    Err(message) => self.client.log_message(MessageType::WARNING, message).await,
                }
            }
            Err(err) => eprintln!("distlint: workspace/configuration failed: {err}"),
        }
    }
}
