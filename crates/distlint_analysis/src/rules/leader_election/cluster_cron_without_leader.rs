//! A Quantum scheduler in a clustered project.
//!
//! Quantum 3 dropped its global mode: every node that starts the scheduler fires
//! every job. In a project that forms a cluster (libcluster, Horde, Swarm) a
//! job meant to run once per schedule then runs once per scheduler: N nodes, N
//! runs, each on a node the run strategy picks (by default a random one).
//!
//! Not reported: a scheduler started as, or under, a cluster-wide singleton
//! (`{Highlander, Scheduler}`, `Horde.DynamicSupervisor.start_child`, a
//! supervisor or wrapper process registered in `:global`, `:syn`, Horde's
//! registry or Swarm), anywhere in the project's sources or in this file (see
//! [`crate::model::singletons`]).

use crate::diagnostic::{Finding, Severity};
use crate::model::project::singleton_children_of;
use crate::model::singletons::may_start_singletons;
use crate::parse::ParsedFile;
use crate::rules::{Rule, RuleContext, Scope, Topic};

pub static RULE: Rule = Rule {
    name: "cluster-cron-without-leader",
    topic: Topic::LeaderElection,
    severity: Severity::Warning,
    summary: "A Quantum scheduler in a clustered project: each node fires every job, N runs per schedule.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// Dependencies that say the project runs as a cluster.
const CLUSTERING_DEPENDENCIES: &[&str] = &["libcluster", "horde", "swarm"];

/// Dependencies that run one copy of a process per cluster: a scheduler started
/// under one of them is already a singleton.
const SINGLETON_DEPENDENCIES: &[&str] = &["highlander"];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let Some(clustering) = CLUSTERING_DEPENDENCIES
        .iter()
        .find(|dep| cx.project.depends_on(dep))
    else {
        return;
    };
    if SINGLETON_DEPENDENCIES
        .iter()
        .any(|dep| cx.project.depends_on(dep))
    {
        return;
    }
    let mut in_this_file: Option<Vec<String>> = None;
    for module in &cx.file.modules {
        for used in module.uses.iter().filter(|u| u.module == "Quantum") {
            if cx.project.started_as_singleton(&module.name) {
                continue;
            }
            // The whole file, not just this form (a file outside the project's
            // sources, or an unsaved buffer): editors re-lint everything when
            // a buffer's SourceFacts change.
            let here = in_this_file.get_or_insert_with(|| {
                let text = cx.source.text();
                if !may_start_singletons(text) {
                    return Vec::new();
                }
                singleton_children_of(&ParsedFile::parse(text).tree, text)
            });
            if here.contains(&module.name) {
                continue;
            }
            out.push(Finding::new(
                used.node.byte_range(),
                format!(
                    "`{}` is a Quantum scheduler in a clustered project (`{clustering}`): each of N nodes fires every job",
                    module.name
                ),
            ));
        }
    }
}
