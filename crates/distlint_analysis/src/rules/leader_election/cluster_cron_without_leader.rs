//! A Quantum scheduler in a clustered project.
//!
//! Quantum 3 dropped its global mode: every node that starts the scheduler fires
//! every job. In a project that forms a cluster (libcluster, Horde, Swarm) a
//! job meant to run once per schedule then runs once per scheduler: N nodes, N
//! runs, each on a node the run strategy picks (by default a random one).

use crate::diagnostic::{Finding, Severity};
use crate::rules::{Rule, RuleContext, Scope, Topic};

pub static RULE: Rule = Rule {
    name: "cluster-cron-without-leader",
    topic: Topic::LeaderElection,
    severity: Severity::Warning,
    summary: "A Quantum scheduler in a clustered project: Quantum 3 has no global mode, so each node's scheduler fires every job: N nodes, N runs of each job.",
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
    for module in &cx.file.modules {
        for used in module.uses.iter().filter(|u| u.module == "Quantum") {
            out.push(Finding::new(
                used.node.byte_range(),
                format!(
                    "`{}` is a Quantum scheduler in a project that clusters its nodes (it depends on \
                     `{clustering}`): Quantum 3 has no global mode, so the scheduler on each node that \
                     starts it fires every job, and N nodes make N runs of each job (on nodes picked by the \
                     run strategy, at random by default). Schedule with Oban's cron plugin (only the leader \
                     inserts jobs), or start the scheduler as a cluster-wide singleton.",
                    module.name
                ),
            ));
        }
    }
}
