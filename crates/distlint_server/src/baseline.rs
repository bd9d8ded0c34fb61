//! The configured baseline (`baseline = "..."` in `.distlint.toml`) in the
//! editor: a finding recorded there is shown as a hint, not hidden.
//!
//! Why a hint: the CLI and CI stay quiet about recorded findings, and so
//! does the editor's problem list (VS Code lists no hints there; Neovim and
//! Helix show them faintest), but whoever is editing that code still sees
//! the known debt where it is, can hover for the explanation and apply its
//! quick fix: the cheapest moment to pay it off. Hiding it would leave a
//! quick fix on the line with nothing to attach it to.
//!
//! Baselines are read once and read again when the file changes on disk
//! (its modification time or size), so `distlint check --write-baseline`
//! takes effect at the next lint.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use distlint_analysis::baseline::Baseline;
use distlint_analysis::{Config, Diagnostic, SourceFile};

/// What a baseline file looked like when read: modification time and size.
type Stamp = Option<(Option<SystemTime>, u64)>;

/// A baseline as read, or why it could not be.
type Loaded = (Stamp, Result<Arc<Baseline>, String>);

/// Loaded baselines by path, shared by the open documents' lints and the
/// workspace scan.
#[derive(Default)]
pub struct Baselines {
    cache: Mutex<HashMap<PathBuf, Loaded>>,
}

/// A document's findings compared with its baseline.
#[derive(Clone, Debug, Default)]
pub struct Marks {
    /// Per diagnostic: recorded in the baseline (shown as a hint).
    pub baselined: Vec<bool>,
    /// The baseline file, for the message.
    pub file: Option<String>,
    /// The configured baseline cannot be read (reported once by the owner).
    pub error: Option<String>,
}

impl Baselines {
    fn get(&self, path: &Path) -> Result<Arc<Baseline>, String> {
        let stamp: Stamp = std::fs::metadata(path)
            .ok()
            .map(|m| (m.modified().ok(), m.len()));
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((cached, result)) = cache.get(path) {
            if *cached == stamp {
                return result.clone();
            }
        }
        let result = Baseline::load(path)
            .map(Arc::new)
            .map_err(|err| format!("{err}; findings are shown as if there were no baseline"));
        cache.insert(path.to_path_buf(), (stamp, result.clone()));
        result
    }

    /// Which of a file's diagnostics its configuration's baseline records.
    /// `file` is the document's path (an unsaved buffer has none: no baseline).
    pub fn marks(
        &self,
        config: &Config,
        file: Option<&Path>,
        source: &SourceFile,
        diagnostics: &[Diagnostic],
    ) -> Marks {
        let (Some(path), Some(file)) = (config.baseline.as_deref(), file) else {
            return Marks::default();
        };
        match self.get(path) {
            Ok(baseline) => Marks {
                baselined: baseline.match_file(file, source, diagnostics).baselined,
                file: path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned()),
                error: None,
            },
            Err(error) => Marks {
                error: Some(error),
                ..Marks::default()
            },
        }
    }
}

impl Marks {
    pub fn is_baselined(&self, index: usize) -> bool {
        self.baselined.get(index).copied().unwrap_or(false)
    }

    /// The baseline file that records diagnostic `index`, if one does.
    pub fn baseline_of(&self, index: usize) -> Option<&str> {
        match self.is_baselined(index) {
            true => Some(self.file.as_deref().unwrap_or("baseline")),
            false => None,
        }
    }
}
