//! Which configuration, project and path each file is linted with.
//!
//! `distlint check`, the editor's open documents and its workspace scan all
//! ask [`Contexts::for_file`], so they agree on every layout: one Mix project,
//! an umbrella, a folder holding several projects, nested `.distlint.toml`s.
//!
//! - Configuration: `--config FILE` if given, else the nearest `.distlint.toml`
//!   at or above the file's directory, else the defaults rooted at the file's
//!   project root (or, outside any project, at the base directory: the current
//!   directory of the CLI, the editor's workspace folder).
//! - Project: the file's own (nearest `mix.exs`, or the umbrella above an app).
//! - Path the rules and globs see: relative to the configuration's root.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{Config, ConfigError};
use crate::model::project::find_project_root;
use crate::model::ProjectModel;

/// Everything one file is linted with.
#[derive(Clone, Debug)]
pub struct FileContext {
    pub config: Arc<Config>,
    pub project: Arc<ProjectModel>,
    /// The file's path relative to `config.root` (what rules and globs see).
    pub relative: PathBuf,
}

/// What the caller adds to every configuration file: command-line options
/// (`--select`, `--lint-tests`) or editor settings.
pub type Adjust = Arc<dyn Fn(Config) -> Result<Config, ConfigError> + Send + Sync>;

/// Resolves and caches contexts: configurations by directory, projects by root.
#[derive(Clone)]
pub struct Contexts {
    bases: Vec<PathBuf>,
    explicit: Option<Arc<Config>>,
    adjust: Adjust,
    configs: HashMap<PathBuf, Result<Arc<Config>, ConfigError>>,
    roots: HashMap<PathBuf, Option<PathBuf>>,
    projects: HashMap<PathBuf, Arc<ProjectModel>>,
    no_project: Arc<ProjectModel>,
    /// With [`Contexts::defer_summaries`]: the source files of each project
    /// read since, by root, to complete it from.
    deferred: Option<HashMap<PathBuf, Vec<(PathBuf, String)>>>,
}

/// A project read pending, and the source files to complete it from.
pub type DeferredProject = (Arc<ProjectModel>, Vec<(PathBuf, String)>);

impl Contexts {
    /// `bases`: where the defaults are rooted for files outside any project
    /// (the innermost base that holds the file: the current directory, the
    /// workspace folders). `explicit`: a configuration that applies to every
    /// file (`--config`), already adjusted.
    pub fn new(bases: &[PathBuf], explicit: Option<Config>, adjust: Adjust) -> Contexts {
        Contexts {
            bases: bases.to_vec(),
            explicit: explicit.map(Arc::new),
            adjust,
            configs: HashMap::new(),
            roots: HashMap::new(),
            projects: HashMap::new(),
            no_project: Arc::new(ProjectModel::default()),
            deferred: None,
        }
    }

    /// From now on, projects are read pending ([`ProjectModel::load_pending`]:
    /// without what needs a parse of their sources); the caller completes
    /// them (`workspace::check` does, from its lint).
    pub fn defer_summaries(&mut self) {
        self.deferred.get_or_insert_with(HashMap::new);
    }

    /// The projects read pending since
    /// [`Contexts::defer_summaries`], sorted by root, each once.
    pub fn take_deferred(&mut self) -> Vec<DeferredProject> {
        let mut deferred: Vec<(PathBuf, Vec<(PathBuf, String)>)> = self
            .deferred
            .as_mut()
            .map(|pending| pending.drain().collect())
            .unwrap_or_default();
        deferred.sort_by(|a, b| a.0.cmp(&b.0));
        deferred
            .into_iter()
            .filter_map(|(root, sources)| Some((self.projects.get(&root)?.clone(), sources)))
            .collect()
    }

    /// The context of `file` (an absolute path; it need not exist, as for an
    /// unsaved editor buffer). `Err` when its configuration file is broken.
    pub fn for_file(&mut self, file: &Path) -> Result<FileContext, ConfigError> {
        let dir = file.parent().unwrap_or(file);
        let config = self.config_for_dir(dir)?;
        Ok(self.context_with(file, config))
    }

    /// The context of `file` with the default configuration, adjusted where
    /// the adjustment is valid: for a file whose configuration file is broken
    /// (the editor reports the error and goes on linting).
    pub fn with_defaults(&mut self, file: &Path) -> FileContext {
        let config = self.defaults_for_dir(file.parent().unwrap_or(file));
        self.context_with(file, config)
    }

    /// The default configuration for the files in `dir`, adjusted where the
    /// adjustment is valid.
    pub fn defaults_for_dir(&mut self, dir: &Path) -> Arc<Config> {
        let defaults = Config::default_at(&self.default_root(dir));
        Arc::new((self.adjust)(defaults.clone()).unwrap_or(defaults))
    }

    fn context_with(&mut self, file: &Path, config: Arc<Config>) -> FileContext {
        let dir = file.parent().unwrap_or(file);
        let project = match self.project_root(dir) {
            Some(root) => self.project(&root),
            None => self.no_project.clone(),
        };
        let relative = file
            .strip_prefix(&config.root)
            .unwrap_or(file)
            .to_path_buf();
        FileContext {
            config,
            project,
            relative,
        }
    }

    /// The configuration of the files in `dir`.
    pub fn config_for_dir(&mut self, dir: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(explicit) = &self.explicit {
            return Ok(explicit.clone());
        }
        if let Some(cached) = self.configs.get(dir) {
            return cached.clone();
        }
        let fallback = self.default_root(dir);
        let config = Config::discover(dir, &fallback)
            .and_then(|config| (self.adjust)(config))
            .map(Arc::new);
        self.configs.insert(dir.to_path_buf(), config.clone());
        config
    }

    /// Where the defaults are rooted for files in `dir`.
    fn default_root(&mut self, dir: &Path) -> PathBuf {
        if let Some(root) = self.project_root(dir) {
            return root;
        }
        self.bases
            .iter()
            .filter(|base| dir.starts_with(base))
            .max_by_key(|base| base.components().count())
            .cloned()
            .unwrap_or_else(|| dir.to_path_buf())
    }

    /// The root of the project that holds `dir`, if any (cached).
    pub fn project_root(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(root) = self.roots.get(dir) {
            return root.clone();
        }
        let root = find_project_root(dir);
        self.roots.insert(dir.to_path_buf(), root.clone());
        root
    }

    /// The project rooted at `root`, read once.
    pub fn project(&mut self, root: &Path) -> Arc<ProjectModel> {
        if let Some(project) = self.projects.get(root) {
            return project.clone();
        }
        let project = match &mut self.deferred {
            Some(deferred) => {
                let (project, sources) = ProjectModel::load_pending(root);
                deferred.insert(root.to_path_buf(), sources);
                project
            }
            None => ProjectModel::load(root),
        };
        let project = Arc::new(project);
        self.projects.insert(root.to_path_buf(), project.clone());
        project
    }

    /// Whether the project at `root` has been read.
    pub fn has_project(&self, root: &Path) -> bool {
        self.projects.contains_key(root)
    }

    /// Uses `project` for `root` (the editor's: with unsaved buffers overlaid).
    pub fn set_project(&mut self, root: &Path, project: Arc<ProjectModel>) {
        self.projects.insert(root.to_path_buf(), project);
    }
}

impl std::fmt::Debug for Contexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contexts")
            .field("bases", &self.bases)
            .field("configs", &self.configs.len())
            .field("projects", &self.projects.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_files::write;

    fn unadjusted() -> Adjust {
        Arc::new(Ok)
    }

    const MIX_WITH_QUANTUM: &str = "defmodule A.MixProject do\n  use Mix.Project\n  def project, do: [app: :a, deps: deps()]\n  defp deps, do: [{:libcluster, \"~> 3.3\"}, {:quantum, \"~> 3.5\"}]\nend\n";

    #[test]
    fn each_file_gets_its_own_project_and_nearest_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        write(&root, "a/mix.exs", MIX_WITH_QUANTUM);
        write(&root, "b/mix.exs", "defmodule B.MixProject do\nend\n");
        write(&root, "b/.distlint.toml", "ignore = [\"clustering\"]\n");
        let mut contexts = Contexts::new(std::slice::from_ref(&root), None, unadjusted());

        let a = contexts.for_file(&root.join("a/test/a_test.exs")).unwrap();
        assert!(a.project.depends_on("quantum"));
        assert_eq!(a.config.root, root.join("a"));
        assert_eq!(a.relative, Path::new("test/a_test.exs"));
        assert!(a.config.file.is_none());

        let b = contexts.for_file(&root.join("b/lib/b.ex")).unwrap();
        assert!(!b.project.depends_on("quantum"));
        assert_eq!(
            b.config.file.as_deref(),
            Some(&*root.join("b/.distlint.toml"))
        );
        assert_eq!(b.relative, Path::new("lib/b.ex"));

        // Outside any project: the defaults, rooted at the base.
        let loose = contexts.for_file(&root.join("scripts/x.exs")).unwrap();
        assert_eq!(loose.relative, Path::new("scripts/x.exs"));
        assert!(loose.project.root.is_none());
    }

    #[test]
    fn umbrella_apps_share_the_umbrella_project() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        write(
            &root,
            "mix.exs",
            "defmodule U.MixProject do\n  use Mix.Project\n  def project, do: [apps_path: \"apps\"]\nend\n",
        );
        write(&root, "apps/jobs/mix.exs", MIX_WITH_QUANTUM);
        let mut contexts = Contexts::new(std::slice::from_ref(&root), None, unadjusted());
        let app = contexts
            .for_file(&root.join("apps/jobs/lib/jobs.ex"))
            .unwrap();
        assert_eq!(app.project.root.as_deref(), Some(&*root));
        assert!(app.project.depends_on("libcluster"));
        assert_eq!(app.relative, Path::new("apps/jobs/lib/jobs.ex"));
    }

    #[test]
    fn a_broken_configuration_is_an_error_and_defaults_remain_available() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        write(&root, "mix.exs", "defmodule A.MixProject do\nend\n");
        write(&root, ".distlint.toml", "selct = []\n");
        let adjust: Adjust = Arc::new(|mut config: Config| {
            config.lint_tests = true;
            Ok(config)
        });
        let mut contexts = Contexts::new(std::slice::from_ref(&root), None, adjust);
        let file = root.join("lib/a.ex");
        let err = contexts.for_file(&file).unwrap_err();
        assert!(err.message.contains("selct"), "{err}");
        let fallback = contexts.with_defaults(&file);
        assert!(fallback.config.lint_tests, "the adjustment still applies");
        assert_eq!(fallback.relative, Path::new("lib/a.ex"));
    }
}
