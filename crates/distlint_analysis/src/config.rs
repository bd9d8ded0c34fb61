//! `.distlint.toml`: which rules run where, and how loud they are.
//!
//! Configuration is TOML data; nothing in a project is ever executed. Every
//! error names the file, the line and column, and what to change.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Severity;
use crate::docs::DEFAULT_DOCS_BASE_URL;
use crate::rules::{self, Rule, Scope, Topic, UNUSED_SUPPRESSION};
use crate::source::{ColumnUnit, SourceFile};

pub const CONFIG_FILE_NAME: &str = ".distlint.toml";

/// Directories never linted, at any depth.
pub const DEFAULT_EXCLUDED_DIRS: &[&str] = &["deps", "_build", ".elixir_ls", ".expert"];

/// Test code, where no rule reports unless `[tests] lint = true` (and rules
/// marked (prod) never do); `test-paths` replaces the list.
pub const DEFAULT_TEST_PATHS: &[&str] = &[
    "test/**",
    "**/test/**",
    "**/*_test.exs",
    "**/test_helper.exs",
];

/// A configuration problem, pointing into the file that has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file, or `None` for command-line options.
    pub path: Option<PathBuf>,
    /// 1-based line and column, when the problem has a place.
    pub location: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.location) {
            (Some(path), Some((line, col))) => {
                write!(f, "{}:{line}:{col}: {}", path.display(), self.message)
            }
            (Some(path), None) => write!(f, "{}: {}", path.display(), self.message),
            (None, _) => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    test_paths: Option<Vec<Spanned<String>>>,
    tests: Option<RawTests>,
    docs_base_url: Option<String>,
    baseline: Option<Spanned<String>>,
    severity: Option<BTreeMap<String, Spanned<String>>>,
    per_path_ignores: Option<BTreeMap<String, Vec<Spanned<String>>>>,
}

/// `[tests]`: whether test code is linted.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTests {
    lint: Option<bool>,
}

/// What a name in `select`/`ignore` means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selector {
    All,
    Topic(Topic),
    Rule(&'static str),
}

impl Selector {
    pub fn parse(name: &str) -> Option<Selector> {
        if name == "all" {
            return Some(Selector::All);
        }
        if let Some(topic) = Topic::from_name(name) {
            return Some(Selector::Topic(topic));
        }
        if name == UNUSED_SUPPRESSION {
            return Some(Selector::Rule(UNUSED_SUPPRESSION));
        }
        rules::by_name(name).map(|rule| Selector::Rule(rule.name))
    }

    /// Does this selector cover the rule `name` (of `topic`, if it has one)?
    pub fn covers(self, name: &str, topic: Option<Topic>) -> bool {
        match self {
            Selector::All => true,
            Selector::Topic(t) => Some(t) == topic,
            Selector::Rule(r) => r == name,
        }
    }
}

/// The resolved configuration of one project.
#[derive(Clone, Debug)]
pub struct Config {
    /// The `.distlint.toml` this came from, if any.
    pub file: Option<PathBuf>,
    /// Directory that globs are relative to.
    pub root: PathBuf,
    select: Vec<Selector>,
    ignore: Vec<Selector>,
    severity: HashMap<String, Severity>,
    exclude: GlobSet,
    test_paths: GlobSet,
    /// Report in test code too (`[tests] lint = true`, `--lint-tests`).
    pub lint_tests: bool,
    per_path_ignores: Vec<(GlobSet, Vec<Selector>)>,
    pub docs_base_url: String,
    /// `baseline = "..."`: findings recorded there are not reported (absolute).
    pub baseline: Option<PathBuf>,
}

impl Config {
    /// The defaults, rooted at `root`.
    pub fn default_at(root: &Path) -> Config {
        Config {
            file: None,
            root: root.to_path_buf(),
            select: vec![Selector::All],
            ignore: Vec::new(),
            severity: HashMap::new(),
            exclude: GlobSet::empty(),
            test_paths: build_globs(DEFAULT_TEST_PATHS.iter().copied())
                .unwrap_or_else(|_| GlobSet::empty()),
            lint_tests: false,
            per_path_ignores: Vec::new(),
            docs_base_url: DEFAULT_DOCS_BASE_URL.to_string(),
            baseline: None,
        }
    }

    /// Finds `.distlint.toml` at or above `start` and loads it; the defaults,
    /// rooted at `fallback_root`, when there is none.
    pub fn discover(start: &Path, fallback_root: &Path) -> Result<Config, ConfigError> {
        let dir = if start.is_dir() {
            start
        } else {
            start.parent().unwrap_or(start)
        };
        match dir
            .ancestors()
            .map(|d| d.join(CONFIG_FILE_NAME))
            .find(|p| p.is_file())
        {
            Some(file) => Config::load(&file),
            None => Ok(Config::default_at(fallback_root)),
        }
    }

    /// Loads a config file; globs are relative to its directory.
    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|err| ConfigError {
            path: Some(file.to_path_buf()),
            location: None,
            message: format!("cannot read the configuration file: {err}"),
        })?;
        let root = file.parent().map(Path::to_path_buf).unwrap_or_default();
        Config::parse(&text, file, &root)
    }

    /// Parses configuration text (`file` is only used in messages).
    pub fn parse(text: &str, file: &Path, root: &Path) -> Result<Config, ConfigError> {
        let source = SourceFile::new(text);
        let error_at = |span: Option<std::ops::Range<usize>>, message: String| {
            let location = span.map(|s| {
                let pos = source.line_col(s.start, ColumnUnit::Chars);
                (pos.line as usize + 1, pos.col as usize + 1)
            });
            ConfigError {
                path: Some(file.to_path_buf()),
                location,
                message,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            let message = err.message().trim().to_string();
            error_at(err.span(), format!("invalid configuration: {message}"))
        })?;

        let mut config = Config::default_at(root);
        config.file = Some(file.to_path_buf());
        let selectors =
            |names: &[Spanned<String>], key: &str| -> Result<Vec<Selector>, ConfigError> {
                names
                    .iter()
                    .map(|name| {
                        Selector::parse(name.get_ref()).ok_or_else(|| {
                            error_at(Some(name.span()), unknown_name_message(name.get_ref(), key))
                        })
                    })
                    .collect()
            };
        if let Some(select) = &raw.select {
            config.select = selectors(select, "select")?;
        }
        if let Some(ignore) = &raw.ignore {
            config.ignore = selectors(ignore, "ignore")?;
        }
        if let Some(severity) = &raw.severity {
            for (name, level) in severity {
                let key_span = find_key(text, name);
                if rules::by_name(name).is_none() && name != UNUSED_SUPPRESSION {
                    return Err(error_at(key_span, unknown_name_message(name, "severity")));
                }
                let level_value = Severity::parse(level.get_ref()).ok_or_else(|| {
                    error_at(
                        Some(level.span()),
                        format!(
                            "`{}` is not a severity for `{name}`: use \"error\", \"warning\" or \"info\" (or list the rule under `ignore` to turn it off)",
                            level.get_ref()
                        ),
                    )
                })?;
                config.severity.insert(name.clone(), level_value);
            }
        }
        let globs = |patterns: &[Spanned<String>]| -> Result<GlobSet, ConfigError> {
            let mut builder = GlobSetBuilder::new();
            for pattern in patterns {
                builder.add(glob(pattern.get_ref()).map_err(|err| {
                    error_at(
                        Some(pattern.span()),
                        format!("invalid glob `{}`: {err}", pattern.get_ref()),
                    )
                })?);
            }
            builder
                .build()
                .map_err(|err| error_at(None, format!("invalid globs: {err}")))
        };
        if let Some(exclude) = &raw.exclude {
            config.exclude = globs(exclude)?;
        }
        if let Some(test_paths) = &raw.test_paths {
            config.test_paths = globs(test_paths)?;
        }
        if let Some(lint) = raw.tests.as_ref().and_then(|t| t.lint) {
            config.lint_tests = lint;
        }
        if let Some(per_path) = &raw.per_path_ignores {
            for (pattern, names) in per_path {
                let set = build_globs([pattern.as_str()]).map_err(|err| {
                    error_at(
                        find_key(text, pattern),
                        format!("invalid glob `{pattern}`: {err}"),
                    )
                })?;
                config
                    .per_path_ignores
                    .push((set, selectors(names, "per-path-ignores")?));
            }
        }
        if let Some(baseline) = &raw.baseline {
            if baseline.get_ref().trim().is_empty() {
                return Err(error_at(
                    Some(baseline.span()),
                    "`baseline` names no file: give the path of the baseline (relative to this file), e.g. \"distlint-baseline.json\", or remove the key".to_string(),
                ));
            }
            config.baseline = Some(crate::baseline::normalise(&root.join(baseline.get_ref())));
        }
        if let Some(url) = raw.docs_base_url {
            config.docs_base_url = url;
        }
        Ok(config)
    }

    /// Command-line `--select` replaces the file's `select`; `--ignore` adds to `ignore`.
    pub fn override_with(
        &mut self,
        select: &[String],
        ignore: &[String],
    ) -> Result<(), ConfigError> {
        let parse = |name: &String, flag: &str| {
            Selector::parse(name).ok_or_else(|| ConfigError {
                path: None,
                location: None,
                message: unknown_name_message(name, flag),
            })
        };
        if !select.is_empty() {
            self.select = select
                .iter()
                .map(|n| parse(n, "--select"))
                .collect::<Result<_, _>>()?;
        }
        for name in ignore {
            self.ignore.push(parse(name, "--ignore")?);
        }
        Ok(())
    }

    /// Is `relative` (to [`Config::root`]) excluded from linting?
    pub fn is_excluded(&self, relative: &Path) -> bool {
        let by_default = relative
            .components()
            .any(|c| DEFAULT_EXCLUDED_DIRS.iter().any(|d| c.as_os_str() == *d));
        by_default
            || relative
                .ancestors()
                .any(|p| !p.as_os_str().is_empty() && self.exclude.is_match(p))
    }

    pub fn is_test_path(&self, relative: &Path) -> bool {
        self.test_paths.is_match(relative)
    }

    /// Are findings in `relative` reported? Not in test code, unless asked:
    /// test clusters, netsplit simulations and tests of the primitives
    /// themselves do these things on purpose.
    pub fn reports_in(&self, relative: &Path) -> bool {
        self.lint_tests || !self.is_test_path(relative)
    }

    /// The severity a rule reports with in `relative`, or `None` when it is off there.
    pub fn rule_severity(&self, rule: &Rule, relative: &Path) -> Option<Severity> {
        if !self.name_enabled(rule.name, Some(rule.topic), relative) {
            return None;
        }
        if rule.scope == Scope::Production && self.is_test_path(relative) {
            return None;
        }
        Some(
            self.severity
                .get(rule.name)
                .copied()
                .unwrap_or(rule.severity),
        )
    }

    /// Severity of `unused-suppression` in `relative`, or `None` when off.
    pub fn unused_suppression_severity(&self, relative: &Path) -> Option<Severity> {
        self.name_enabled(UNUSED_SUPPRESSION, None, relative)
            .then(|| {
                self.severity
                    .get(UNUSED_SUPPRESSION)
                    .copied()
                    .unwrap_or(Severity::Info)
            })
    }

    fn name_enabled(&self, name: &str, topic: Option<Topic>, relative: &Path) -> bool {
        let selected = self.select.iter().any(|s| s.covers(name, topic));
        let ignored = self.ignore.iter().any(|s| s.covers(name, topic));
        let ignored_here = self.per_path_ignores.iter().any(|(globs, selectors)| {
            globs.is_match(relative) && selectors.iter().any(|s| s.covers(name, topic))
        });
        selected && !ignored && !ignored_here
    }
}

fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    // `*` stays inside one directory; `**` crosses them.
    GlobBuilder::new(pattern.trim_end_matches('/'))
        .literal_separator(true)
        .build()
}

fn build_globs<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(glob(pattern)?);
    }
    builder.build()
}

/// Where a table key is written, for messages (TOML gives no spans for map keys).
fn find_key(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let quoted = format!("\"{key}\"");
    text.match_indices(&quoted)
        .chain(text.match_indices(key))
        .map(|(i, m)| i..i + m.len())
        .next()
}

fn unknown_name_message(name: &str, key: &str) -> String {
    let hint = closest_name(name)
        .map(|close| format!(" Did you mean `{close}`?"))
        .unwrap_or_default();
    format!(
        "unknown rule or topic `{name}` in `{key}`.{hint} Run `distlint rules` to list the rule names; topic names are the reference page names (e.g. `clustering`)."
    )
}

/// The rule or topic name closest to `name` (a typo), if one is close.
pub fn closest_name(name: &str) -> Option<&'static str> {
    rules::ALL
        .iter()
        .map(|r| r.name)
        .chain(Topic::ALL.iter().map(|t| t.name()))
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            prev = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/p/.distlint.toml"), Path::new("/p"))
    }

    fn rule(name: &str) -> &'static Rule {
        rules::by_name(name).unwrap()
    }

    #[test]
    fn defaults_enable_every_rule_but_prod_rules_skip_tests() {
        let config = Config::default_at(Path::new("/p"));
        let cookie = rule("hardcoded-distribution-cookie");
        assert_eq!(
            config.rule_severity(cookie, Path::new("lib/a.ex")),
            Some(Severity::Error)
        );
        assert_eq!(
            config.rule_severity(cookie, Path::new("test/a_test.exs")),
            None
        );
        assert_eq!(
            config.rule_severity(cookie, Path::new("apps/x/test/support/a.ex")),
            None
        );
        let rpc = rule("rpc-without-timeout");
        assert_eq!(
            config.rule_severity(rpc, Path::new("test/a_test.exs")),
            Some(Severity::Warning)
        );
        assert!(!config.reports_in(Path::new("test/a_test.exs")));
        assert!(config.reports_in(Path::new("lib/a.ex")));
        assert!(config.is_excluded(Path::new("deps/x/lib/a.ex")));
        assert!(config.is_excluded(Path::new("apps/a/_build/dev/a.ex")));
        assert!(!config.is_excluded(Path::new("lib/deps_helper.ex")));
    }

    #[test]
    fn tests_lint_opts_back_into_test_code() {
        let config = parse("[tests]\nlint = true\n").unwrap();
        assert!(config.lint_tests);
        assert!(config.reports_in(Path::new("test/a_test.exs")));
        let config = parse("[tests]\nlint = false\n").unwrap();
        assert!(!config.reports_in(Path::new("apps/a/test/support/case.ex")));
        let err = parse("[tests]\nlnt = true\n").unwrap_err();
        assert_eq!(err.location, Some((2, 1)), "{err}");
        assert!(err.message.contains("lnt"), "{err}");
    }

    #[test]
    fn select_ignore_severity_and_per_path() {
        let config = parse(
            r#"
select = ["clustering", "wall-clock-duration"]
ignore = ["hardcoded-distribution-cookie"]
exclude = ["priv/legacy"]
[severity]
rpc-without-timeout = "error"
[per-path-ignores]
"lib/scripts/**" = ["rpc-without-timeout"]
"#,
        )
        .unwrap();
        let lib = Path::new("lib/a.ex");
        assert_eq!(
            config.rule_severity(rule("rpc-without-timeout"), lib),
            Some(Severity::Error)
        );
        assert_eq!(
            config.rule_severity(rule("wall-clock-duration"), lib),
            Some(Severity::Warning)
        );
        assert_eq!(config.rule_severity(rule("mod-n-node-hashing"), lib), None);
        assert_eq!(
            config.rule_severity(rule("hardcoded-distribution-cookie"), lib),
            None
        );
        assert_eq!(
            config.rule_severity(rule("rpc-without-timeout"), Path::new("lib/scripts/x.exs")),
            None
        );
        assert!(config.is_excluded(Path::new("priv/legacy/old.ex")));
        assert!(!config.is_excluded(Path::new("priv/other.ex")));
    }

    #[test]
    fn errors_name_line_and_fix() {
        let err = parse("select = [\n  \"rpc-without-timeot\",\n]\n").unwrap_err();
        assert_eq!(err.location, Some((2, 3)));
        assert!(
            err.message.contains("Did you mean `rpc-without-timeout`"),
            "{}",
            err.message
        );

        let err = parse("selct = []\n").unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(1));
        assert!(err.message.contains("selct"), "{}", err.message);

        let err = parse("[severity]\nrpc-without-timeout = \"loud\"\n").unwrap_err();
        assert_eq!(err.location, Some((2, 23)));

        let err = parse("ignore = [\"x\"\n").unwrap_err();
        assert!(err.location.is_some());
        assert!(err.to_string().starts_with("/p/.distlint.toml:"), "{err}");
    }

    #[test]
    fn baseline_is_relative_to_the_configuration_file() {
        let config = parse("baseline = \"ci/../distlint-baseline.json\"\n").unwrap();
        assert_eq!(
            config.baseline.as_deref(),
            Some(Path::new("/p/distlint-baseline.json"))
        );
        assert_eq!(Config::default_at(Path::new("/p")).baseline, None);
        let err = parse("baseline = \"\"\n").unwrap_err();
        assert_eq!(err.location, Some((1, 12)), "{err}");
    }

    #[test]
    fn command_line_overrides() {
        let mut config = Config::default_at(Path::new("/p"));
        config
            .override_with(&["consistent-hashing".into()], &[])
            .unwrap();
        assert!(config
            .rule_severity(rule("mod-n-node-hashing"), Path::new("a.ex"))
            .is_some());
        assert!(config
            .rule_severity(rule("rpc-without-timeout"), Path::new("a.ex"))
            .is_none());
        assert!(config.override_with(&[], &["nope".into()]).is_err());
    }
}
