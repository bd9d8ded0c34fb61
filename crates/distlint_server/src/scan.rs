//! The workspace scan: lint every Elixir file under the workspace folders so
//! problems in files that are not open show up too, with work-done progress.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use distlint_analysis::context::{Contexts, FileContext};
use distlint_analysis::lint::lint_text_within;
use distlint_analysis::workspace::{files_under, files_with_contexts};
use rayon::prelude::*;
use tower_lsp_server::ls_types::{ProgressToken, Uri};
use tower_lsp_server::Client;

use crate::baseline::Baselines;
use crate::diagnostics::to_lsp;
use crate::owner::{Event, Sender};
use crate::position::Encoding;

/// Files linted between two progress reports (and two cancellation checks).
const CHUNK: usize = 64;

// The owner's state the scan shares, one argument each: a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn spawn(
    client: Client,
    sender: Sender,
    folders: Vec<PathBuf>,
    contexts: Contexts,
    encoding: Encoding,
    progress: bool,
    latest: Arc<AtomicU64>,
    baselines: Arc<Baselines>,
) {
    // This scan's number; when the owner starts a newer one, this one stops
    // at its next chunk.
    let generation = latest.load(Ordering::SeqCst);
    tokio::spawn(async move {
        let listing = tokio::task::spawn_blocking(move || {
            let mut contexts = contexts;
            let mut files = Vec::new();
            for folder in &folders {
                match files_with_contexts(&mut contexts, folder) {
                    Ok(found) => files.extend(found),
                    // A broken configuration file (the open documents report
                    // it): the folder is linted with the defaults meanwhile.
                    Err(_) => {
                        let config = contexts.defaults_for_dir(folder);
                        for file in files_under(folder, &config) {
                            let context = contexts.with_defaults(&file);
                            files.push((file, context));
                        }
                    }
                }
            }
            files
        })
        .await;
        let Ok(files) = listing else {
            return;
        };
        let total = files.len();
        let reporter = match progress {
            true => {
                let token = ProgressToken::String(format!("distlint-scan-{generation}"));
                match client.create_work_done_progress(token.clone()).await {
                    Ok(()) => Some(
                        client
                            .progress(token, "distlint")
                            .with_message(format!("Linting {total} Elixir files"))
                            .with_percentage(0)
                            .begin()
                            .await,
                    ),
                    Err(_) => None,
                }
            }
            false => None,
        };
        let files = Arc::new(files);
        let mut done = 0;
        while done < total {
            if latest.load(Ordering::SeqCst) != generation {
                break; // A newer scan replaced this one.
            }
            let end = (done + CHUNK).min(total);
            let batch = files.clone();
            let baselines = baselines.clone();
            let results = tokio::task::spawn_blocking(move || {
                batch[done..end]
                    .par_iter()
                    .filter_map(|(path, context)| lint_file(path, context, encoding, &baselines))
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap_or_default();
            for (uri, diagnostics) in results {
                let _ = sender.send(Event::Scanned { uri, diagnostics });
            }
            done = end;
            if let Some(reporter) = &reporter {
                let percentage = (done * 100 / total.max(1)) as u32;
                reporter
                    .report_with_message(format!("{done}/{total} files"), percentage)
                    .await;
            }
        }
        if let Some(reporter) = reporter {
            reporter
                .finish_with_message(format!("{done}/{total} files linted"))
                .await;
        }
    });
}

/// Lints one file from disk; unreadable, non-UTF-8 and oversized files, and
/// files over their budget (see `distlint_analysis::parse::file_budget`), are skipped.
fn lint_file(
    path: &PathBuf,
    context: &FileContext,
    encoding: Encoding,
    baselines: &Baselines,
) -> Option<(Uri, Vec<tower_lsp_server::ls_types::Diagnostic>)> {
    let uri = Uri::from_file_path(path)?;
    // As `distlint check`: a file over the size limit is not even read.
    let text = distlint_analysis::workspace::read_bounded(path)?;
    let (parsed, result) = std::panic::catch_unwind(|| {
        lint_text_within(&text, &context.relative, &context.project, &context.config)
    })
    .ok()?
    .ok()?;
    let marks = baselines.marks(
        &context.config,
        Some(path),
        &parsed.source,
        &result.diagnostics,
    );
    let file = marks.file.as_deref().unwrap_or("baseline");
    let diagnostics = result
        .diagnostics
        .iter()
        .enumerate()
        .map(|(index, d)| {
            let baseline = marks.is_baselined(index).then_some(file);
            to_lsp(d, &parsed.source, encoding, &context.config, None, baseline)
        })
        .collect();
    Some((uri, diagnostics))
}
