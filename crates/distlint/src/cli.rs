//! Command-line arguments.

use std::path::PathBuf;

use std::io::IsTerminal;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "distlint",
    version,
    about = "Finds distributed-systems mistakes in Elixir code",
    after_help = "Exit codes: 0 no warnings or errors, 1 warnings or errors found (none with --exit-zero), 2 usage, configuration or I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint Elixir files and directories (default: the current directory).
    Check(CheckArgs),
    /// List every rule with its reference topic, default severity and summary.
    Rules(RulesArgs),
    /// Explain one rule: its section of the reference page.
    Rule(RuleArgs),
    /// Review a project's distribution design: inventory, escalation level, partition behaviour, findings, checklist.
    Review(crate::review::ReviewArgs),
    /// Run the language server on stdin/stdout (for editors).
    Server(ServerArgs),
}

#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Accepted and ignored: stdio is the only transport (editors pass it).
    #[arg(long)]
    pub stdio: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 0 even when warnings or errors are found (2 still reports a usage, configuration or I/O error).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print only the number of findings per rule (with how many have a quick fix), then the summary.
    #[arg(long)]
    pub statistics: bool,
    /// Apply every quick fix in place, then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// Print the quick fixes as a unified diff instead of applying them; exit 1 when there are some.
    #[arg(long)]
    pub diff: bool,
    /// Report only findings not recorded in this baseline file (instead of `baseline` in .distlint.toml).
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    pub baseline: Option<PathBuf>,
    /// Report every finding: ignore the baseline configured in .distlint.toml.
    #[arg(long)]
    pub no_baseline: bool,
    /// Record today's findings in FILE (a baseline) and exit 0; `--baseline FILE` then reports only new ones.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff", "baseline", "no_baseline"])]
    pub write_baseline: Option<PathBuf>,
    /// Only these rules or topics (comma-separated); replaces `select` from the config file.
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Also skip these rules or topics (comma-separated); adds to `ignore` from the config file.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Use this configuration file instead of the nearest `.distlint.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Report in test code too (test/, *_test.exs, test_helper.exs); as `[tests] lint = true`.
    #[arg(long)]
    pub lint_tests: bool,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print the time spent per phase (read, parse, model, each rule) to standard error.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Args, Debug)]
#[command(
    override_usage = "distlint rule [OPTIONS] <NAME>\n       distlint rule [OPTIONS] --topic <TOPIC>"
)]
pub struct RuleArgs {
    /// The rule name, as shown in findings (e.g. rpc-without-timeout); required unless --topic is given.
    #[arg(required_unless_present = "topic")]
    pub name: Option<String>,
    /// Show a whole reference page instead (e.g. --topic clustering).
    #[arg(long, conflicts_with = "name")]
    pub topic: Option<String>,
    /// When to colour the text.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Each finding with its source line, fix and link.
    Human,
    /// One line per finding: `path:line:col: severity[rule] message`.
    Concise,
    /// One JSON object (schema in docs/configuration.md).
    Json,
}

/// The formats of `distlint check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Each finding with its source line, fix and link.
    Human,
    /// One line per finding: `path:line:col: severity[rule] message`.
    Concise,
    /// One JSON object (schema in docs/configuration.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other CI dashboards.
    Sarif,
    /// GitHub Actions workflow commands: an annotation per finding.
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour standard output: `auto` means a terminal and no `NO_COLOR`.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}
