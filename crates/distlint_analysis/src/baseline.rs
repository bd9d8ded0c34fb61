//! Baselines: the findings a code base already had when distlint was turned
//! on, recorded so that only new ones are reported (as PHPStan's and detekt's
//! baselines and ESLint's bulk suppressions do).
//!
//! A finding is identified by a fingerprint that survives unrelated edits: a
//! hash of its rule, its file's path, the text of the line it starts on (with
//! whitespace collapsed) and its occurrence index among the findings of that
//! rule on identical lines of the file. Lines added or removed elsewhere move
//! it without changing it; SARIF output uses the same function for its
//! `partialFingerprints`.
//!
//! The file lists, per file and rule, how many findings are accepted and
//! their fingerprints. Matching is by fingerprint first; a finding whose own
//! line was edited (so its fingerprint changed) still counts as baselined
//! while its file has no more findings of its rule than the baseline allows.
//! Paths in the file are relative to the baseline file's directory.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::source::{ColumnUnit, SourceFile};

/// The format version this distlint reads and writes.
pub const BASELINE_VERSION: u32 = 1;

/// A baseline larger than this is refused (one of a large code base with
/// every finding recorded is a few megabytes).
pub const MAX_BASELINE_BYTES: u64 = 256 * 1024 * 1024;

/// The name the documentation suggests (`distlint check --write-baseline distlint-baseline.json`).
pub const DEFAULT_BASELINE_FILE: &str = "distlint-baseline.json";

const ABOUT: &str = "distlint baseline: findings accepted when distlint was adopted. \
`distlint check` reports only findings not listed here; \
`distlint check --write-baseline FILE` writes it again (fixed findings drop out).";

/// The fingerprint of each diagnostic of one file (same order), `path` being
/// the file's path as the consumer knows it (relative to the repository root
/// in SARIF, to the baseline's directory in a baseline), with `/` separators.
pub fn fingerprints(path: &str, source: &SourceFile, diagnostics: &[Diagnostic]) -> Vec<String> {
    // Occurrence index among findings of one rule on identical lines, in order.
    let mut order: Vec<usize> = (0..diagnostics.len()).collect();
    order.sort_by_key(|&i| (diagnostics[i].range.start, diagnostics[i].range.end));
    let mut seen: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut out = vec![String::new(); diagnostics.len()];
    for index in order {
        let diagnostic = &diagnostics[index];
        let line = source
            .line_col(diagnostic.range.start, ColumnUnit::Utf8)
            .line;
        let text = normalise_line(source.line_text(line as usize));
        let occurrence = seen.entry((diagnostic.rule, text.clone())).or_insert(0);
        out[index] = fingerprint(diagnostic.rule, path, &text, *occurrence);
        *occurrence += 1;
    }
    out
}

/// One fingerprint: 32 hex digits of a 128-bit FNV-1a hash (stable across
/// platforms and Rust versions, unlike the standard library's hasher).
pub fn fingerprint(rule: &str, path: &str, normalised_line: &str, occurrence: usize) -> String {
    let mut hash: u128 = 0x6c62272e07bb014262b821756295c58d;
    let prime: u128 = 0x0000000001000000000000000000013B;
    let occurrence = occurrence.to_string();
    for part in [rule, path, normalised_line, &occurrence] {
        for byte in part.bytes().chain([0xff]) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(prime);
        }
    }
    format!("{hash:032x}")
}

/// The line with leading and trailing whitespace removed and inner runs of
/// whitespace made one space: re-indenting does not change a fingerprint.
pub fn normalise_line(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `path` relative to `dir` with `/` separators (`..` where it lies outside),
/// lexically; both absolute.
pub fn relative_key(dir: &Path, path: &Path) -> String {
    let dir = normalise(dir);
    let dir: Vec<Component<'_>> = dir.components().collect();
    let path = normalise(path);
    let parts: Vec<Component<'_>> = path.components().collect();
    let common = dir.iter().zip(&parts).take_while(|(a, b)| a == b).count();
    if common == 0 && !dir.is_empty() {
        return slashed(&path);
    }
    let mut key: Vec<String> = vec!["..".to_string(); dir.len() - common];
    key.extend(
        parts[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    key.join("/")
}

fn slashed(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// `.` and `..` removed lexically (paths here need not exist).
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The file as written.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    /// What the file is, for whoever opens it.
    #[serde(default)]
    about: String,
    version: u32,
    /// file → rule → entry
    files: BTreeMap<String, BTreeMap<String, Entry>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// How many findings of the rule in the file are accepted.
    count: usize,
    /// Which ones (may be fewer than `count` in a hand-written file: the
    /// rest are matched by count alone).
    #[serde(default)]
    fingerprints: Vec<String>,
}

/// A baseline that cannot be used, pointing into its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaselineError {
    pub path: PathBuf,
    /// 1-based line and column, when the problem has a place.
    pub location: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some((line, col)) => {
                write!(f, "{}:{line}:{col}: {}", self.path.display(), self.message)
            }
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for BaselineError {}

/// Recorded findings, by file (relative to the baseline's directory) and rule.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    /// The baseline file (absolute).
    pub path: PathBuf,
    files: BTreeMap<String, BTreeMap<String, Entry>>,
}

/// How one file's findings compare with a baseline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileMatch {
    /// Per diagnostic (same order): recorded in the baseline, so not reported.
    pub baselined: Vec<bool>,
    /// Entries recorded for this file that no longer occur (fixed).
    pub unmatched: usize,
}

impl Baseline {
    /// An empty baseline to be written at `path`.
    pub fn new(path: &Path) -> Baseline {
        Baseline {
            path: normalise(path),
            files: BTreeMap::new(),
        }
    }

    /// Reads a baseline file; every problem names the file (and the place).
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        Baseline::load_as(path, path)
    }

    /// As [`Baseline::load`], naming the file `shown` in messages (as the user wrote it).
    pub fn load_as(path: &Path, shown: &Path) -> Result<Baseline, BaselineError> {
        let error = |reason: String| {
            BaselineError {
            path: shown.to_path_buf(),
            location: None,
            message: format!(
                "cannot read the baseline: {reason} (`distlint check --write-baseline {}` writes one)",
                shown.display()
            ),
        }
        };
        // `.distlint.toml` may come with the code being linted: its `baseline`
        // must not make distlint read a device (`/dev/zero`) or wait on a pipe.
        let metadata = std::fs::metadata(path).map_err(|err| error(err.to_string()))?;
        if !metadata.is_file() {
            return Err(error("it is not a regular file".to_string()));
        }
        if metadata.len() > MAX_BASELINE_BYTES {
            return Err(error(format!(
                "{} bytes is over the {MAX_BASELINE_BYTES}-byte limit for a baseline",
                metadata.len()
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|err| error(err.to_string()))?;
        let mut baseline = Baseline::parse_as(&text, shown)?;
        baseline.path = normalise(path);
        Ok(baseline)
    }

    /// Parses baseline text (`path` is where it lives: paths are relative to its directory).
    pub fn parse(text: &str, path: &Path) -> Result<Baseline, BaselineError> {
        Baseline::parse_as(text, path)
    }

    fn parse_as(text: &str, path: &Path) -> Result<Baseline, BaselineError> {
        let again = format!(
            "fix it, or write it again with `distlint check --write-baseline {}`",
            path.display()
        );
        let raw: RawBaseline = serde_json::from_str(text).map_err(|err| {
            let message = err.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m)
                // serde's words for JSON's.
                .replace("expected usize", "expected a whole number")
                .replace("expected u32", "expected a whole number")
                .replace("a map", "an object")
                .replace("a sequence", "an array")
                .replace("type: sequence", "type: array")
                .replace("type: map", "type: object");
            BaselineError {
                path: path.to_path_buf(),
                location: (err.line() > 0).then(|| (err.line(), err.column())),
                message: format!("this is not a distlint baseline ({message}); {again}"),
            }
        })?;
        if raw.version != BASELINE_VERSION {
            let location = text.find("\"version\"").map(|at| {
                let pos = SourceFile::new(text).line_col(at, ColumnUnit::Chars);
                (pos.line as usize + 1, pos.col as usize + 1)
            });
            return Err(BaselineError {
                path: path.to_path_buf(),
                location,
                message: format!(
                    "baseline version {} is not one this distlint reads (version {BASELINE_VERSION}); write it again with `distlint check --write-baseline {}`",
                    raw.version,
                    path.display()
                ),
            });
        }
        Ok(Baseline {
            path: normalise(path),
            files: raw.files,
        })
    }

    /// The baseline as JSON: keys sorted, one fingerprint per line, so that
    /// a rewrite after fixes diffs as removed lines.
    pub fn to_json(&self) -> String {
        let raw = RawBaseline {
            about: ABOUT.to_string(),
            version: BASELINE_VERSION,
            files: self.files.clone(),
        };
        let mut text = serde_json::to_string_pretty(&raw).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The directory paths are relative to.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }

    /// How `file` (absolute) is named in this baseline.
    pub fn key(&self, file: &Path) -> String {
        relative_key(self.dir(), file)
    }

    /// Records a file's findings.
    pub fn add(&mut self, file: &Path, source: &SourceFile, diagnostics: &[Diagnostic]) {
        let key = self.key(file);
        let prints = fingerprints(&key, source, diagnostics);
        for (diagnostic, print) in diagnostics.iter().zip(prints) {
            let entry = self
                .files
                .entry(key.clone())
                .or_default()
                .entry(diagnostic.rule.to_string())
                .or_default();
            entry.count += 1;
            entry.fingerprints.push(print);
        }
        if let Some(rules) = self.files.get_mut(&key) {
            for entry in rules.values_mut() {
                entry.fingerprints.sort();
            }
        }
    }

    /// Which of a file's diagnostics are recorded, and how many recorded
    /// entries of the file no longer occur.
    pub fn match_file(
        &self,
        file: &Path,
        source: &SourceFile,
        diagnostics: &[Diagnostic],
    ) -> FileMatch {
        let key = self.key(file);
        let mut baselined = vec![false; diagnostics.len()];
        let Some(rules) = self.files.get(&key) else {
            return FileMatch {
                baselined,
                unmatched: 0,
            };
        };
        // Per rule: fingerprints not yet matched, and how many may still match.
        let mut open: BTreeMap<&str, (Vec<&str>, usize)> = rules
            .iter()
            .map(|(rule, entry)| {
                let prints = entry.fingerprints.iter().map(String::as_str).collect();
                (
                    rule.as_str(),
                    (prints, entry.count.max(entry.fingerprints.len())),
                )
            })
            .collect();
        let prints = fingerprints(&key, source, diagnostics);
        // By fingerprint first ...
        for (index, diagnostic) in diagnostics.iter().enumerate() {
            if let Some((open_prints, left)) = open.get_mut(diagnostic.rule) {
                if let Some(at) = open_prints.iter().position(|p| *p == prints[index]) {
                    open_prints.swap_remove(at);
                    *left -= 1;
                    baselined[index] = true;
                }
            }
        }
        // ... then by count: a finding whose own line was edited.
        for (index, diagnostic) in diagnostics.iter().enumerate() {
            if baselined[index] {
                continue;
            }
            if let Some((open_prints, left)) = open.get_mut(diagnostic.rule) {
                if *left > 0 {
                    open_prints.pop();
                    *left -= 1;
                    baselined[index] = true;
                }
            }
        }
        FileMatch {
            baselined,
            // A hand-edited count may be huge: saturate rather than overflow.
            unmatched: open
                .values()
                .fold(0usize, |sum, (_, left)| sum.saturating_add(*left)),
        }
    }

    /// Every recorded file (as named in the baseline) with its number of entries.
    pub fn files(&self) -> impl Iterator<Item = (&str, usize)> {
        self.files.iter().map(|(file, rules)| {
            let count = rules.values().fold(0usize, |sum, e| {
                sum.saturating_add(e.count.max(e.fingerprints.len()))
            });
            (file.as_str(), count)
        })
    }

    /// The absolute path of a recorded file.
    pub fn file_path(&self, key: &str) -> PathBuf {
        normalise(&self.dir().join(key))
    }

    /// Total number of recorded findings.
    pub fn len(&self) -> usize {
        self.files()
            .fold(0usize, |sum, (_, count)| sum.saturating_add(count))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn finding(rule: &'static str, text: &str, needle: &str, nth: usize) -> Diagnostic {
        let start = text.match_indices(needle).nth(nth).unwrap().0;
        Diagnostic {
            rule,
            severity: Severity::Warning,
            range: start..start + needle.len(),
            message: String::new(),
            fix: None,
        }
    }

    const TEXT: &str = "defmodule A do\n  def f(n), do: :rpc.call(n, M, :f, [])\n  def g(n), do: :rpc.call(n, M, :f, [])\nend\n";

    fn two(text: &str) -> Vec<Diagnostic> {
        vec![
            finding("rpc-without-timeout", text, ":rpc.call", 0),
            finding("rpc-without-timeout", text, ":rpc.call", 1),
        ]
    }

    #[test]
    fn fingerprints_survive_lines_added_above_and_reindenting() {
        let before = fingerprints("lib/a.ex", &SourceFile::new(TEXT), &two(TEXT));
        let edited = format!("# a comment\n\n{}", TEXT.replace("  def", "    def"));
        let after = fingerprints("lib/a.ex", &SourceFile::new(&edited), &two(&edited));
        assert_eq!(before, after);
        assert_ne!(before[0], before[1], "identical lines differ by occurrence");
        let elsewhere = fingerprints("lib/b.ex", &SourceFile::new(TEXT), &two(TEXT));
        assert_ne!(before, elsewhere);
        assert_eq!(before[0].len(), 32);
    }

    #[test]
    fn round_trip_then_only_new_findings_are_not_baselined() {
        let file = Path::new("/repo/lib/a.ex");
        let mut baseline = Baseline::new(Path::new("/repo/distlint-baseline.json"));
        baseline.add(file, &SourceFile::new(TEXT), &two(TEXT));
        let json = baseline.to_json();
        assert!(json.contains("\"lib/a.ex\""), "{json}");
        assert!(json.contains("\"count\": 2"), "{json}");
        let read = Baseline::parse(&json, Path::new("/repo/distlint-baseline.json")).unwrap();
        assert_eq!(read.len(), 2);

        let grown = TEXT.replace("end\n", "  def h(n), do: :rpc.call(n, M, :h, [])\nend\n");
        let mut diagnostics = two(&grown);
        diagnostics.push(finding("rpc-without-timeout", &grown, ":rpc.call", 2));
        let matched = read.match_file(file, &SourceFile::new(&grown), &diagnostics);
        assert_eq!(matched.baselined, [true, true, false]);
        assert_eq!(matched.unmatched, 0);

        // One fixed: one entry no longer occurs.
        let fixed = TEXT.replace("[])\n  def g", "[], 5_000)\n  def g");
        let left = vec![finding("rpc-without-timeout", &fixed, ":rpc.call", 1)];
        let matched = read.match_file(file, &SourceFile::new(&fixed), &left);
        assert_eq!(matched.baselined, [true]);
        assert_eq!(matched.unmatched, 1);

        // A flagged line edited: still baselined, by count.
        let renamed = TEXT.replace(":rpc.call(n, M, :f", ":rpc.call(node, M, :f");
        let matched = read.match_file(file, &SourceFile::new(&renamed), &two(&renamed));
        assert_eq!(matched.baselined, [true, true]);

        // Another file is not covered.
        let other = read.match_file(
            Path::new("/repo/lib/b.ex"),
            &SourceFile::new(TEXT),
            &two(TEXT),
        );
        assert_eq!(other.baselined, [false, false]);
    }

    #[test]
    fn bad_files_name_the_place() {
        let path = Path::new("/repo/distlint-baseline.json");
        let err = Baseline::parse("{\n  \"version\": 1,\n  \"files\": [\n", path).unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(3), "{err}");
        assert!(
            err.to_string()
                .starts_with("/repo/distlint-baseline.json:3:"),
            "{err}"
        );
        assert!(err.message.contains("--write-baseline"), "{err}");

        let err =
            Baseline::parse("{\"version\": 1, \"files\": {}, \"extra\": 1}", path).unwrap_err();
        assert!(err.message.contains("extra"), "{err}");

        let err = Baseline::parse("{\n\"version\": 7, \"files\": {}}", path).unwrap_err();
        assert_eq!(err.location, Some((2, 1)), "{err}");
        assert!(err.message.contains("version 7"), "{err}");

        // Counts as large as JSON allows neither overflow nor panic.
        let huge = format!(
            "{{\"version\": 1, \"files\": {{\"a.ex\": {{\"x\": {{\"count\": {max}}}, \"y\": {{\"count\": {max}}}}}}}}}",
            max = usize::MAX
        );
        let baseline = Baseline::parse(&huge, path).unwrap();
        assert_eq!(baseline.len(), usize::MAX);
        let matched = baseline.match_file(Path::new("/repo/a.ex"), &SourceFile::new(""), &[]);
        assert_eq!(matched.unmatched, usize::MAX);

        let err = Baseline::parse("", path).unwrap_err();
        assert!(err.message.contains("not a distlint baseline"), "{err}");

        let err = Baseline::load(Path::new("/nonexistent/b.json")).unwrap_err();
        assert!(err.message.contains("cannot read"), "{err}");
        // Not a regular file: refused before it is opened (no endless read
        // of a device, no wait on a pipe).
        let err = Baseline::load(Path::new("/dev/zero")).unwrap_err();
        assert!(err.message.contains("not a regular file"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let err = Baseline::load(dir.path()).unwrap_err();
        assert!(err.message.contains("not a regular file"), "{err}");
    }

    #[test]
    fn keys_are_relative_to_the_baseline_directory() {
        assert_eq!(
            relative_key(Path::new("/r"), Path::new("/r/lib/a.ex")),
            "lib/a.ex"
        );
        assert_eq!(
            relative_key(Path::new("/r/ci"), Path::new("/r/lib/a.ex")),
            "../lib/a.ex"
        );
        assert_eq!(
            relative_key(Path::new("/r/./x/.."), Path::new("/r/a.ex")),
            "a.ex"
        );
    }
}
