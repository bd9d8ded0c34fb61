//! The rule registry.
//!
//! One file per rule under `rules/<topic>/`; each exports a `RULE: Rule` that
//! holds its metadata next to its check. Adding a rule = one file + one line in
//! its topic's `RULES` + a section in `docs/reference/<topic>.md` (a test enforces the last).

mod cap_tradeoffs;
pub(crate) mod clustering;
mod consensus;
mod consistent_hashing;
mod distributed_transactions;
mod escalation_ladder;
mod event_sourcing;
mod failure_modes;
mod gossip_protocols;
mod leader_election;
pub mod registration;
mod resilience_principles;
#[cfg(test)]
mod test_support;
mod topic;

use std::path::Path;
use std::sync::LazyLock;

pub use topic::Topic;

use crate::diagnostic::{Finding, Severity};
use crate::model::summary::FileSummary;
use crate::model::{FileModel, ProjectModel};
use crate::source::SourceFile;

/// Where a rule reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere that is not excluded.
    All,
    /// Production code only: not under the configured test paths.
    Production,
}

/// A rule: its stable name, metadata, and check.
pub struct Rule {
    /// Stable identifier: used in diagnostics, suppressions, config, URLs.
    pub name: &'static str,
    pub topic: Topic,
    pub severity: Severity,
    /// One line: what is wrong, in the reader's terms.
    pub summary: &'static str,
    pub scope: Scope,
    /// Whether some findings carry a quick fix.
    pub fixable: bool,
    pub check: fn(&RuleContext<'_>, &mut Vec<Finding>),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// What a rule may look at.
pub struct RuleContext<'a> {
    pub file: &'a FileModel<'a>,
    pub source: &'a SourceFile,
    pub project: &'a ProjectModel,
    /// Path of the file relative to the project (or configuration) root.
    pub path: &'a Path,
    /// What this form's functions do (see `model::summary`), as the lint
    /// summarised it: for rules that follow local helpers.
    pub summary: &'a FileSummary,
}

/// Every rule, in catalogue order: each topic module lists its own.
pub static ALL: LazyLock<Vec<&'static Rule>> = LazyLock::new(|| {
    [
        leader_election::RULES,
        distributed_transactions::RULES,
        gossip_protocols::RULES,
        consistent_hashing::RULES,
        event_sourcing::RULES,
        escalation_ladder::RULES,
        consensus::RULES,
        clustering::RULES,
        cap_tradeoffs::RULES,
        failure_modes::RULES,
        resilience_principles::RULES,
    ]
    .concat()
});

/// The pseudo-rule that reports suppression comments that suppress nothing.
/// It is configured like a rule but documented in docs/configuration.md.
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";

pub fn by_name(name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|rule| rule.name == name)
}

/// Code quoted in a finding's message, kept on one line: each run of
/// whitespace (line breaks included) becomes one space.
pub(crate) fn one_line(code: &str) -> String {
    code.split_whitespace().collect::<Vec<_>>().join(" ")
}
