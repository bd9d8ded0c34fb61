//! `distlint check`: lint, then (as asked) write a baseline, apply or show
//! the quick fixes, leave out what a baseline records, write the report in
//! the chosen format, and pick the exit code.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use distlint_analysis::baseline::{normalise, Baseline, FileMatch};
use distlint_analysis::fix::fix_all;
use distlint_analysis::timings;
use distlint_analysis::workspace::{self, CheckOutcome, CheckRequest, FileReport};
use distlint_analysis::{Diagnostic, Severity, SourceFile};
use rayon::prelude::*;

use crate::cli::{CheckArgs, CheckFormat};
use crate::exit;
use crate::output::{diff, github, human, json, sarif, BaselineSummary, FixSummary, Report};

/// `--timings`: wall time of the check, then each phase's time summed over
/// the worker threads, to standard error.
fn print_timings(wall: std::time::Duration) {
    eprintln!("distlint: timings (phases and rules: summed over threads)");
    eprintln!("  {:>10.1} ms  wall", wall.as_secs_f64() * 1e3);
    for (name, time) in timings::report() {
        eprintln!("  {:>10.1} ms  {name}", time.as_secs_f64() * 1e3);
    }
}

pub fn run(args: &CheckArgs) -> u8 {
    if args.statistics && matches!(args.format, CheckFormat::Sarif | CheckFormat::Github) {
        eprintln!(
            "distlint: error: --statistics prints counts per rule, which the {} format has no place for: use it with --format human, concise or json",
            if args.format == CheckFormat::Sarif { "sarif" } else { "github" }
        );
        return exit::ERROR;
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let request = CheckRequest {
        paths: args.paths.clone(),
        config_file: args.config.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        lint_tests: args.lint_tests,
    };
    if args.timings {
        timings::enable();
    }
    let started = std::time::Instant::now();
    let mut outcome = match workspace::check(&request) {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("distlint: error: {err}");
            return exit::ERROR;
        }
    };
    if args.timings {
        print_timings(started.elapsed());
    }
    if let Some(target) = &args.write_baseline {
        return write_baseline(&outcome, &cwd.join(target), &cwd);
    }
    let mut baselines = Baselines::new(args, &cwd);
    if let Err(message) = baselines.load_for(&outcome, &cwd) {
        eprintln!("distlint: error: {message}");
        return exit::ERROR;
    }

    let mut fixed = None;
    let mut write_errors = 0;
    if args.fix || args.diff {
        let fixes = compute_fixes(&outcome, &baselines);
        for (file, fix) in &fixes {
            for refused in &fix.refused {
                eprintln!(
                    "distlint: note: {}: the fix `{}` ({}) was not applied: the file would no longer parse. This is a bug in distlint; please report it with the file.",
                    display_path(&file.path, &cwd),
                    refused.title,
                    refused.rule
                );
            }
        }
        if args.diff {
            let code = write_diff(args, &fixes, &cwd);
            for problem in &outcome.problems {
                eprintln!(
                    "distlint: error: {}: {}",
                    display_path(&problem.path, &cwd),
                    problem.message
                );
            }
            return if outcome.problems.is_empty() {
                code
            } else {
                exit::ERROR
            };
        }
        let mut summary = FixSummary::default();
        let mut by_fix: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
        for (file, fix) in fixes.iter().filter(|(_, fix)| fix.changed()) {
            if let Err(err) = std::fs::write(&file.path, &fix.text) {
                eprintln!(
                    "distlint: error: {}: cannot write the fixed file: {err}",
                    display_path(&file.path, &cwd)
                );
                write_errors += 1;
                continue;
            }
            summary.files += 1;
            for applied in &fix.applied {
                *by_fix
                    .entry((applied.rule, applied.title.clone()))
                    .or_default() += 1;
            }
        }
        summary.fixes = by_fix
            .into_iter()
            .map(|((rule, title), count)| (rule, title, count))
            .collect();
        summary
            .fixes
            .sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
        fixed = Some(summary);
        drop(fixes);
        // What is left, as a fresh run would see it.
        outcome = match workspace::check(&request) {
            Ok(outcome) => outcome,
            Err(err) => {
                eprintln!("distlint: error: {err}");
                return exit::ERROR;
            }
        };
        if let Err(message) = baselines.load_for(&outcome, &cwd) {
            eprintln!("distlint: error: {message}");
            return exit::ERROR;
        }
    }

    let (hidden, baseline_summary) = baselines.apply(&outcome, &request, &cwd);
    let mut report = Report::new(&outcome, &cwd, &hidden);
    report.baseline = baseline_summary;
    report.fixed = fixed;
    let color = args.output.is_none() && args.color.enabled()
        || args.color == crate::cli::ColorChoice::Always;
    let written = with_output(args, |mut out| match (args.format, args.statistics) {
        (CheckFormat::Json, true) => json::write_statistics(&mut out, &report),
        (CheckFormat::Human | CheckFormat::Concise, true) => {
            human::write_statistics(&mut out, &report, color)
        }
        (CheckFormat::Json, false) => json::write(&mut out, &report),
        (CheckFormat::Human, false) => human::write(&mut out, &report, color),
        (CheckFormat::Concise, false) => human::write_concise(&mut out, &report, color),
        (CheckFormat::Sarif, _) => sarif::write(&mut out, &report),
        (CheckFormat::Github, _) => github::write(&mut out, &report),
    });
    if let Err(code) = written {
        return code;
    }
    for problem in &report.problems {
        eprintln!("distlint: error: {}: {}", problem.path, problem.message);
    }
    if !matches!(args.format, CheckFormat::Json | CheckFormat::Sarif) {
        for note in &report.parse_notes {
            eprintln!("distlint: note: {note}");
        }
    }
    if matches!(args.format, CheckFormat::Sarif | CheckFormat::Github) {
        // These formats have no room for it; the reader of the log does.
        if let Some(baseline) = &report.baseline {
            eprintln!(
                "distlint: note: {} finding(s) recorded in the baseline ({}) not reported; {} baseline entr{} no longer occur",
                baseline.baselined,
                baseline.files.join(", "),
                baseline.fixed,
                if baseline.fixed == 1 { "y" } else { "ies" }
            );
        }
    }
    if !report.problems.is_empty() || write_errors > 0 {
        exit::ERROR
    } else if !args.exit_zero
        && report
            .diagnostics
            .iter()
            .any(|d| d.diagnostic.severity >= Severity::Warning)
    {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
}

/// Runs `write` on standard output or on `--output FILE`; `Err(exit code)`
/// after saying what went wrong.
fn with_output(
    args: &CheckArgs,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), u8> {
    let result = match &args.output {
        Some(path) => match File::create(path) {
            Ok(file) => {
                let mut out = BufWriter::new(file);
                write(&mut out).and_then(|_| out.flush())
            }
            Err(err) => {
                eprintln!(
                    "distlint: error: cannot write the report to {}: {err} (check that the directory exists and is writable)",
                    path.display()
                );
                return Err(exit::ERROR);
            }
        },
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            write(&mut out).and_then(|_| out.flush())
        }
    };
    match result {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            let place = args
                .output
                .as_ref()
                .map_or("standard output".to_string(), |p| p.display().to_string());
            eprintln!("distlint: error: cannot write the report to {place}: {err}");
            Err(exit::ERROR)
        }
        _ => Ok(()),
    }
}

/// `--write-baseline FILE`: every finding reported today, recorded.
fn write_baseline(outcome: &CheckOutcome, target: &Path, cwd: &Path) -> u8 {
    let target = normalise(target);
    let mut baseline = Baseline::new(&target);
    let mut files = 0;
    for file in outcome
        .files
        .iter()
        .filter(|f| !f.lint.diagnostics.is_empty())
    {
        baseline.add(&file.path, &file.source, &file.lint.diagnostics);
        files += 1;
    }
    let shown = display_path(&target, cwd);
    if let Err(err) = std::fs::write(&target, baseline.to_json()) {
        eprintln!(
            "distlint: error: cannot write the baseline to {shown}: {err} (check that its directory exists and is writable)"
        );
        return exit::ERROR;
    }
    let count = baseline.len();
    eprintln!(
        "distlint: wrote {shown}: {count} finding{} in {files} file{}. `distlint check --baseline {shown}` (or `baseline = \"{shown}\"` in .distlint.toml) now reports only new ones.",
        if count == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
    );
    for problem in &outcome.problems {
        eprintln!(
            "distlint: error: {}: {} (its findings are not in the baseline)",
            display_path(&problem.path, cwd),
            problem.message
        );
    }
    if outcome.problems.is_empty() {
        exit::CLEAN
    } else {
        exit::ERROR
    }
}

/// The baselines in force: `--baseline`, else each file's configured one,
/// none with `--no-baseline`.
struct Baselines {
    explicit: Option<PathBuf>,
    disabled: bool,
    loaded: BTreeMap<PathBuf, Baseline>,
}

impl Baselines {
    fn new(args: &CheckArgs, cwd: &Path) -> Baselines {
        Baselines {
            explicit: args.baseline.as_ref().map(|p| normalise(&cwd.join(p))),
            disabled: args.no_baseline,
            loaded: BTreeMap::new(),
        }
    }

    fn path_for(&self, file: &FileReport) -> Option<PathBuf> {
        if self.disabled {
            return None;
        }
        self.explicit
            .clone()
            .or_else(|| file.config.baseline.clone())
    }

    /// Reads every baseline the outcome's files use; the first that cannot
    /// be read or parsed is the error.
    fn load_for(&mut self, outcome: &CheckOutcome, cwd: &Path) -> Result<(), String> {
        let load = |path: &Path| Baseline::load_as(path, Path::new(&display_path(path, cwd)));
        for file in &outcome.files {
            let Some(path) = self.path_for(file) else {
                continue;
            };
            if self.loaded.contains_key(&path) {
                continue;
            }
            let baseline = load(&path).map_err(|err| {
                let configured = match (&self.explicit, &file.config.file) {
                    (None, Some(config)) => {
                        format!(" (configured by `baseline` in {})", config.display())
                    }
                    _ => String::new(),
                };
                format!("{err}{configured}")
            })?;
            self.loaded.insert(path, baseline);
        }
        // `--baseline FILE` with no file to check still names a missing file.
        if let Some(path) = &self.explicit {
            if !self.loaded.contains_key(path) {
                let baseline = load(path).map_err(|err| err.to_string())?;
                self.loaded.insert(path.clone(), baseline);
            }
        }
        Ok(())
    }

    fn for_file(&self, file: &FileReport) -> Option<&Baseline> {
        self.path_for(file).and_then(|p| self.loaded.get(&p))
    }

    fn match_file(
        &self,
        file: &FileReport,
        source: &SourceFile,
        diagnostics: &[Diagnostic],
    ) -> Option<FileMatch> {
        self.for_file(file)
            .map(|b| b.match_file(&file.path, source, diagnostics))
    }

    /// Which findings each file's baseline records (hidden), and the summary:
    /// how many were left out, how many recorded ones no longer occur
    /// (counting files under the checked paths that are gone or no longer
    /// linted, but not files outside them).
    fn apply(
        &self,
        outcome: &CheckOutcome,
        request: &CheckRequest,
        cwd: &Path,
    ) -> (Vec<Vec<bool>>, Option<BaselineSummary>) {
        if self.loaded.is_empty() {
            return (Vec::new(), None);
        }
        let mut summary = BaselineSummary {
            files: self.loaded.keys().map(|p| display_path(p, cwd)).collect(),
            ..BaselineSummary::default()
        };
        let mut hidden = Vec::new();
        for file in &outcome.files {
            match self.match_file(file, &file.source, &file.lint.diagnostics) {
                Some(matched) => {
                    summary.baselined += matched.baselined.iter().filter(|b| **b).count();
                    summary.fixed = summary.fixed.saturating_add(matched.unmatched);
                    hidden.push(matched.baselined);
                }
                None => hidden.push(Vec::new()),
            }
        }
        let checked_roots: Vec<PathBuf> = request
            .paths
            .iter()
            .map(|p| normalise(&cwd.join(p)))
            .collect();
        for baseline in self.loaded.values() {
            for (key, count) in baseline.files() {
                let path = baseline.file_path(key);
                let linted = outcome.files.iter().any(|f| f.path == path)
                    || outcome.problems.iter().any(|p| p.path == path);
                let under_check = checked_roots.iter().any(|root| path.starts_with(root));
                if !linted && under_check {
                    summary.fixed = summary.fixed.saturating_add(count);
                }
            }
        }
        (hidden, Some(summary))
    }
}

/// Every eligible quick fix of every file (not those of baselined findings):
/// `(file, outcome)` for the files that have some.
fn compute_fixes<'o>(
    outcome: &'o CheckOutcome,
    baselines: &Baselines,
) -> Vec<(&'o FileReport, distlint_analysis::fix::FixOutcome)> {
    let files: Vec<&FileReport> = outcome
        .files
        .iter()
        .filter(|f| f.lint.diagnostics.iter().any(|d| d.fix.is_some()))
        .collect();
    files
        .into_par_iter()
        .map(|file| {
            let eligible = |source: &SourceFile, diagnostics: &[Diagnostic]| match baselines
                .match_file(file, source, diagnostics)
            {
                Some(matched) => matched.baselined.iter().map(|b| !b).collect(),
                None => vec![true; diagnostics.len()],
            };
            let fixed = fix_all(
                file.source.text(),
                &file.relative,
                &file.project,
                &file.config,
                &eligible,
            );
            (file, fixed)
        })
        .collect()
}

/// `--diff`: the fixes as a unified diff; exit 1 when there are some.
fn write_diff(
    args: &CheckArgs,
    fixes: &[(&FileReport, distlint_analysis::fix::FixOutcome)],
    cwd: &Path,
) -> u8 {
    let changed: Vec<_> = fixes.iter().filter(|(_, fix)| fix.changed()).collect();
    let written = with_output(args, |mut out| {
        for (file, fix) in &changed {
            diff::write(
                &mut out,
                &display_path(&file.path, cwd),
                file.source.text(),
                &fix.text,
            )?;
        }
        Ok(())
    });
    if let Err(code) = written {
        return code;
    }
    let count: usize = changed.iter().map(|(_, fix)| fix.applied.len()).sum();
    if count == 0 {
        eprintln!("distlint: no quick fix to apply.");
        return exit::CLEAN;
    }
    eprintln!(
        "distlint: {count} fix{} in {} file{} (`distlint check --fix` applies {}).",
        if count == 1 { "" } else { "es" },
        changed.len(),
        if changed.len() == 1 { "" } else { "s" },
        if count == 1 { "it" } else { "them" },
    );
    if args.exit_zero {
        exit::CLEAN
    } else {
        exit::FINDINGS
    }
}

/// `path` relative to `cwd` when it is inside it, else as is.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let shown: PathBuf = path
        .strip_prefix(cwd)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf());
    shown.display().to_string()
}
