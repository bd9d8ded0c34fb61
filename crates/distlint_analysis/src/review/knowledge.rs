//! What the review knows about each distribution primitive: its place on the
//! escalation ladder, and how it behaves while the network is split and after
//! it heals. The texts are short summaries of the reference pages, each linked
//! to the page (and section) it summarises; a test checks that every link resolves.

use crate::rules::Topic;

/// The groups of the inventory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Clustering,
    Registries,
    Replication,
    Jobs,
    RemoteCalls,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Clustering,
        Category::Registries,
        Category::Replication,
        Category::Jobs,
        Category::RemoteCalls,
    ];

    /// Stable identifier (JSON).
    pub fn id(self) -> &'static str {
        match self {
            Category::Clustering => "clustering",
            Category::Registries => "registries-and-singletons",
            Category::Replication => "consensus-and-replication",
            Category::Jobs => "job-coordination",
            Category::RemoteCalls => "remote-calls",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Category::Clustering => "Clustering",
            Category::Registries => "Registries and singletons",
            Category::Replication => "Consensus and replication",
            Category::Jobs => "Job coordination",
            Category::RemoteCalls => "Remote calls",
        }
    }
}

/// A distribution primitive the inventory recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Primitive {
    Libcluster,
    DnsCluster,
    NodeConnect,
    Membership,
    Partisan,
    Global,
    Pg,
    Pg2,
    Horde,
    Swarm,
    Highlander,
    Registry,
    Ra,
    DeltaCrdt,
    Mnesia,
    PubSub,
    Tracker,
    Oban,
    Quantum,
    Rpc,
    RemoteMessage,
    RemoteSpawn,
}

impl Primitive {
    pub const ALL: [Primitive; 22] = [
        Primitive::Libcluster,
        Primitive::DnsCluster,
        Primitive::NodeConnect,
        Primitive::Membership,
        Primitive::Partisan,
        Primitive::Global,
        Primitive::Pg,
        Primitive::Pg2,
        Primitive::Horde,
        Primitive::Swarm,
        Primitive::Highlander,
        Primitive::Registry,
        Primitive::Ra,
        Primitive::DeltaCrdt,
        Primitive::Mnesia,
        Primitive::PubSub,
        Primitive::Tracker,
        Primitive::Oban,
        Primitive::Quantum,
        Primitive::Rpc,
        Primitive::RemoteMessage,
        Primitive::RemoteSpawn,
    ];

    /// Stable identifier (JSON).
    pub fn id(self) -> &'static str {
        match self {
            Primitive::Libcluster => "libcluster",
            Primitive::DnsCluster => "dns_cluster",
            Primitive::NodeConnect => "node-connect",
            Primitive::Membership => "membership",
            Primitive::Partisan => "partisan",
            Primitive::Global => "global",
            Primitive::Pg => "pg",
            Primitive::Pg2 => "pg2",
            Primitive::Horde => "horde",
            Primitive::Swarm => "swarm",
            Primitive::Highlander => "highlander",
            Primitive::Registry => "registry",
            Primitive::Ra => "ra",
            Primitive::DeltaCrdt => "delta_crdt",
            Primitive::Mnesia => "mnesia",
            Primitive::PubSub => "phoenix-pubsub",
            Primitive::Tracker => "phoenix-tracker",
            Primitive::Oban => "oban",
            Primitive::Quantum => "quantum",
            Primitive::Rpc => "rpc",
            Primitive::RemoteMessage => "remote-message",
            Primitive::RemoteSpawn => "remote-spawn",
        }
    }

    /// How the report names it.
    pub fn title(self) -> &'static str {
        match self {
            Primitive::Libcluster => "libcluster",
            Primitive::DnsCluster => "DNSCluster",
            Primitive::NodeConnect => "Node.connect",
            Primitive::Membership => "node membership (Node.list, monitor_nodes)",
            Primitive::Partisan => "Partisan",
            Primitive::Global => ":global",
            Primitive::Pg => ":pg",
            Primitive::Pg2 => ":pg2",
            Primitive::Horde => "Horde",
            Primitive::Swarm => "Swarm",
            Primitive::Highlander => "Highlander",
            Primitive::Registry => "Registry (node-local)",
            Primitive::Ra => ":ra (Raft)",
            Primitive::DeltaCrdt => "delta_crdt",
            Primitive::Mnesia => "Mnesia",
            Primitive::PubSub => "Phoenix.PubSub",
            Primitive::Tracker => "Phoenix.Tracker / Presence",
            Primitive::Oban => "Oban",
            Primitive::Quantum => "Quantum",
            Primitive::Rpc => ":rpc / :erpc",
            Primitive::RemoteMessage => "calls and messages to other nodes",
            Primitive::RemoteSpawn => "processes spawned on other nodes",
        }
    }

    pub fn category(self) -> Category {
        use Primitive::*;
        match self {
            Libcluster | DnsCluster | NodeConnect | Membership | Partisan => Category::Clustering,
            Global | Pg | Pg2 | Horde | Swarm | Highlander | Registry => Category::Registries,
            Ra | DeltaCrdt | Mnesia | PubSub | Tracker => Category::Replication,
            Oban | Quantum => Category::Jobs,
            Rpc | RemoteMessage | RemoteSpawn => Category::RemoteCalls,
        }
    }

    /// The rung of the escalation ladder a use of it is evidence for, unless
    /// the use says more (a replicated Mnesia table, Oban's `:global` peer).
    pub fn level(self) -> u8 {
        use Primitive::*;
        match self {
            Registry | Oban | Quantum | Mnesia => 0,
            Libcluster | DnsCluster | NodeConnect | Membership | PubSub | Rpc | RemoteMessage
            | RemoteSpawn => 1,
            Global | Pg | Pg2 | Horde | Swarm | Highlander | Tracker => 2,
            Ra => 3,
            DeltaCrdt => 4,
            Partisan => 5,
        }
    }

    /// Does it connect nodes into a cluster (rather than assume they are)?
    pub fn connects_nodes(self) -> bool {
        matches!(
            self,
            Primitive::Libcluster
                | Primitive::DnsCluster
                | Primitive::NodeConnect
                | Primitive::Partisan
        )
    }

    pub fn is_remote_call(self) -> bool {
        self.category() == Category::RemoteCalls
    }

    /// How it behaves during a partition and after it heals.
    pub fn behaviour(self) -> Behaviour {
        use Primitive::*;
        let (during, after, reference) = match self {
            Libcluster => (
                "each side sees only its own nodes in `Node.list()`; a silent peer counts as down only after the tick timeout (`net_ticktime`, 60 s by default)",
                "a polling strategy reconnects on its next poll and Gossip on its next heartbeat (the `Epmd` strategy only at start, unless its `timeout` is set); `:nodeup` messages arrive",
                Reference::page(Topic::Clustering),
            ),
            DnsCluster => (
                "each side sees only its own nodes in `Node.list()`; a silent peer counts as down only after the tick timeout (`net_ticktime`, 60 s by default)",
                "like a polling libcluster strategy, it connects again to the nodes its DNS query returns on its next poll",
                Reference::page(Topic::Clustering),
            ),
            NodeConnect => (
                "the connection drops after the tick timeout (`net_ticktime`, 60 s by default) and each side sees only its own nodes",
                "nothing polls: the nodes reconnect when the code calls `Node.connect` again or sends something to the other node",
                Reference::page(Topic::Clustering),
            ),
            Membership => (
                "`Node.list()` on each side holds only the nodes that side can reach: it means \"the nodes I can see now\", not \"the cluster\"",
                "`:nodeup` messages arrive and the lists grow again; leaders, placements or quorums each side derived from its own list may conflict",
                Reference::page(Topic::Clustering),
            ),
            Partisan => (
                "depends on the overlay: Partisan replaces Distributed Erlang's connections, and with HyParView each node's partial view, kept by gossip, holds only the peers it still reaches",
                "gossip repairs the views; what the application's state does depends on its design (level 5 of the ladder)",
                Reference::page(Topic::GossipProtocols),
            ),
            Global => (
                "each side forgets the names held on nodes it lost, so the other side can register the same name and run a second copy; each side can take the same `:global` lock",
                "the clashing registrations are resolved, by default by killing one of the two processes with an untrappable exit: it gets no message and cannot clean up",
                Reference::section(Topic::LeaderElection, "global-singleton-without-netsplit-handling"),
            ),
            Pg => (
                "each side sees only the group members on its side (and picks its own leader, if the code picks one from the members)",
                "the nodes exchange their members again and the views converge",
                Reference::section(Topic::Clustering, "deprecated-pg2"),
            ),
            Pg2 => (
                "`:pg2` was removed in OTP 24: on a current runtime its calls raise `UndefinedFunctionError`, split or not",
                "port it to `:pg`, whose views converge again after a heal",
                Reference::section(Topic::Clustering, "deprecated-pg2"),
            ),
            Horde => (
                "both sides keep, and may start, their own copy of a named process (availability first)",
                "the CRDT state merges; for each name registered on both sides one process gets an exit `{:name_conflict, ...}`, and a supervisor that restarts it gets `{:error, {:already_started, pid}}`",
                Reference::section(Topic::LeaderElection, "horde-already-started-unhandled"),
            ),
            Swarm => (
                "each side starts its own copy of the registered processes",
                "the registry must reconcile both views; reports show both copies staying alive or names pointing at the wrong process, and Swarm is no longer maintained",
                Reference::section(Topic::LeaderElection, "unmaintained-swarm-dependency"),
            ),
            Highlander => (
                "Highlander runs its child once per cluster under a `:global` name, so each side of a split can run its own copy",
                "`:global` resolves the clash by killing one of the two copies",
                Reference::page(Topic::LeaderElection),
            ),
            Registry => (
                "nothing changes: a `Registry` is local to its node, so its names were never cluster-wide",
                "nothing to resolve",
                Reference::page(Topic::LeaderElection),
            ),
            Ra => (
                "the side holding a majority keeps or elects a leader and commits; the minority commits nothing, and its commands fail or time out",
                "minority members catch up from the leader's log; there is nothing to merge",
                Reference::page(Topic::Consensus),
            ),
            DeltaCrdt => (
                "both sides accept writes to the same keys",
                "the changes are exchanged and merged; in a last-writer-wins map one of two concurrent writes to a key is lost",
                Reference::page(Topic::GossipProtocols),
            ),
            Mnesia => (
                "each side treats the other as stopped and keeps reading and writing its own copy of replicated tables (a table with `majority: true` refuses writes on the minority side)",
                "nothing is merged: Mnesia reports `inconsistent_database`, and both sides keep their diverged copies until the application picks a side or merges them",
                Reference::section(Topic::FailureModes, "mnesia-partition-unhandled"),
            ),
            PubSub => (
                "broadcasts reach only the subscribers on the sender's side",
                "delivery resumes; messages sent during the split are not replayed",
                Reference::page(Topic::Clustering),
            ),
            Tracker => (
                "each side keeps tracking its own presences and, once the other side's nodes count as down (after `:down_period`, 30 s by default), stops listing theirs",
                "the replicas merge and clients receive the entries that reappeared as joins",
                Reference::page(Topic::GossipProtocols),
            ),
            Oban => (
                "with the default database peer, leadership is a row in the shared database, so the nodes that reach the database agree (`Oban.Peers.Global` splits like any `:global` lock; SQLite's default peer makes every node its own leader)",
                "nothing to resolve between nodes",
                Reference::page(Topic::LeaderElection),
            ),
            Quantum => (
                "nothing changes: every node that starts a Quantum 3 scheduler runs every job, split or not",
                "still one run per scheduler; only a cluster singleton around the scheduler, or Oban's cron, runs a job once",
                Reference::section(Topic::LeaderElection, "cluster-cron-without-leader"),
            ),
            Rpc => (
                "calls to the other side fail, or hang until their timeout (`:rpc.call/4` waits forever by default)",
                "calls succeed again; work whose call timed out may still have run on the other node",
                Reference::section(Topic::Clustering, "rpc-without-timeout"),
            ),
            RemoteMessage => (
                "messages in flight are lost with the connection; a cast returns `:ok` either way, a call exits when its timeout passes",
                "nothing is replayed: only a reply or an acknowledgment says the work was done",
                Reference::section(Topic::CapTradeoffs, "remote-cast-without-ack"),
            ),
            RemoteSpawn => (
                "links and monitors to the remote process fire, while the process itself may keep running on the other side",
                "nothing restarts or re-links it; a function (rather than module, function and arguments) runs only where the same version of its module is loaded",
                Reference::section(Topic::Clustering, "remote-anonymous-function"),
            ),
        };
        Behaviour {
            during,
            after,
            reference,
        }
    }
}

/// What a primitive does while the network is split, and after it heals.
#[derive(Clone, Copy, Debug)]
pub struct Behaviour {
    pub during: &'static str,
    pub after: &'static str,
    pub reference: Reference,
}

/// A reference page, or one section of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    pub topic: Topic,
    /// The section's anchor (`rpc-without-timeout`); `None` for the page's introduction.
    pub anchor: Option<&'static str>,
}

impl Reference {
    pub const fn page(topic: Topic) -> Reference {
        Reference {
            topic,
            anchor: None,
        }
    }

    pub const fn section(topic: Topic, anchor: &'static str) -> Reference {
        Reference {
            topic,
            anchor: Some(anchor),
        }
    }

    /// `reference/<page>.md#<anchor>`, relative to the docs directory.
    pub fn path(self) -> String {
        match self.anchor {
            Some(anchor) => format!("reference/{}.md#{anchor}", self.topic.name()),
            None => format!("reference/{}.md", self.topic.name()),
        }
    }

    /// The link under a docs base URL (`docs-base-url`).
    pub fn url(self, base: &str) -> String {
        format!("{}/{}", base.trim_end_matches('/'), self.path())
    }
}

/// The rungs of docs/reference/escalation-ladder.md.
pub const LEVEL_NAMES: [&str; 6] = [
    "One node",
    "Stateless nodes",
    "Light shared state",
    "Consensus (CP)",
    "Eventual consistency (AP)",
    "Large scale",
];

/// What decides whether a checklist item is asked.
pub struct ChecklistFacts {
    pub level: u8,
    /// Some code expects other nodes (level 1 or more).
    pub clustered: bool,
    pub discovery: bool,
    pub remote_calls: bool,
}

/// An item of docs/reference/production-checklist.md that no tool reading
/// source code can answer, put as a question.
pub struct ChecklistItem {
    pub id: &'static str,
    /// The page's section title.
    pub section: &'static str,
    pub question: &'static str,
    pub reference: Reference,
    applies: fn(&ChecklistFacts) -> bool,
}

impl std::fmt::Debug for ChecklistItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

impl ChecklistItem {
    pub fn applies(&self, facts: &ChecklistFacts) -> bool {
        (self.applies)(facts)
    }
}

const SECURITY: &str = "Security of the cluster";
const PARTITIONS: &str = "Partitions and split brain";
const TIME: &str = "Time";
const SLOW: &str = "Slow, hung and half-working nodes";
const SHARED: &str = "Shared resources and blast radius";
const OPERATIONS: &str = "Operations";

const fn checklist(anchor: &'static str) -> Reference {
    Reference::section(Topic::ProductionChecklist, anchor)
}

/// The questions, in the page's order.
pub static CHECKLIST: &[ChecklistItem] = &[
    ChecklistItem {
        id: "tls-distribution",
        section: SECURITY,
        question: "Is distribution traffic encrypted (TLS distribution) wherever the network between nodes is not trusted? It is set in vm.args or the release, not in code.",
        reference: checklist("security-of-the-cluster"),
        applies: |f| f.clustered,
    },
    ChecklistItem {
        id: "consistency-choice",
        section: PARTITIONS,
        question: "For each piece of state shared between nodes, was the choice between consistency (a majority or the database decides) and availability (each side goes on, merge later) made on purpose?",
        reference: checklist("partitions-and-split-brain"),
        applies: |f| f.level >= 2,
    },
    ChecklistItem {
        id: "partition-tested",
        section: PARTITIONS,
        question: "Has the cluster been split on purpose in a test (a partition simulation, a chaos drill), and did it behave as designed?",
        reference: checklist("partitions-and-split-brain"),
        applies: |f| f.clustered,
    },
    ChecklistItem {
        id: "clock-sync",
        section: TIME,
        question: "Is clock synchronisation (NTP) monitored on every host?",
        reference: checklist("time"),
        applies: |f| f.clustered,
    },
    ChecklistItem {
        id: "gray-failure",
        section: SLOW,
        question: "Do health checks judge each node from its callers' side, with latency percentiles watched, so that a node that limps rather than dies can be taken out?",
        reference: checklist("slow-hung-and-half-working-nodes"),
        applies: |f| f.clustered,
    },
    ChecklistItem {
        id: "bounded-queues",
        section: SLOW,
        question: "Are queues bounded, and is overload shed at the edge?",
        reference: checklist("slow-hung-and-half-working-nodes"),
        applies: |_| true,
    },
    ChecklistItem {
        id: "tenant-isolation",
        section: SHARED,
        question: "Can one tenant or group exhaust a pool, a process or a node that all of them share?",
        reference: checklist("shared-resources-and-blast-radius"),
        applies: |_| true,
    },
    ChecklistItem {
        id: "discovery-per-environment",
        section: OPERATIONS,
        question: "Is discovery configured for each environment (DNS, Kubernetes, gossip) and tested there?",
        reference: checklist("operations"),
        applies: |f| f.discovery,
    },
    ChecklistItem {
        id: "cluster-size",
        section: OPERATIONS,
        question: "Has the cluster been measured at its real size? Distribution connects every node to every other by default, so connections grow with the square of the node count.",
        reference: checklist("operations"),
        applies: |f| f.clustered,
    },
    ChecklistItem {
        id: "cross-node-tracing",
        section: OPERATIONS,
        question: "Do traces and logs carry a request id across nodes, and are metrics collected per node?",
        reference: checklist("operations"),
        applies: |f| f.clustered,
    },
    ChecklistItem {
        id: "configuration-rollout",
        section: OPERATIONS,
        question: "Do configuration changes (pool sizes, timeouts, feature flags) go through the same review and rollout as code?",
        reference: checklist("operations"),
        applies: |_| true,
    },
    ChecklistItem {
        id: "degraded-mode",
        section: OPERATIONS,
        question: "Do the redundant components have a tested degraded mode, and an automated way back to full redundancy?",
        reference: checklist("operations"),
        applies: |f| f.clustered,
    },
    ChecklistItem {
        id: "varied-timeouts",
        section: OPERATIONS,
        question: "Do retry, timeout and health-check settings differ enough between callers that one slow dependency does not make all of them fail at the same moment?",
        reference: checklist("operations"),
        applies: |f| f.remote_calls,
    },
    ChecklistItem {
        id: "external-dependencies",
        section: OPERATIONS,
        question: "Does every external dependency have a degraded path, or is its availability accepted as a ceiling on yours?",
        reference: checklist("operations"),
        applies: |_| true,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs;

    /// GitHub's anchor for a heading (as in tests/docs.rs).
    fn anchor(heading: &str) -> String {
        heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '-' || *c == ' ' || *c == '_')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect()
    }

    fn resolves(reference: Reference) -> bool {
        let Some(page) = docs::page(reference.topic) else {
            return false;
        };
        match reference.anchor {
            None => true,
            Some(wanted) => page
                .lines()
                .filter(|line| line.starts_with('#'))
                .any(|line| anchor(line.trim_start_matches('#')) == wanted),
        }
    }

    #[test]
    fn every_link_resolves_in_the_embedded_pages() {
        for primitive in Primitive::ALL {
            let reference = primitive.behaviour().reference;
            assert!(resolves(reference), "{primitive:?}: {}", reference.path());
        }
        for item in CHECKLIST {
            assert!(
                resolves(item.reference),
                "{}: {}",
                item.id,
                item.reference.path()
            );
            assert_eq!(Some(anchor(item.section).as_str()), item.reference.anchor);
        }
    }

    #[test]
    fn checklist_sections_are_sections_of_the_page() {
        let page = docs::page(Topic::ProductionChecklist).unwrap();
        for item in CHECKLIST {
            assert!(
                page.contains(&format!("\n## {}\n", item.section)),
                "{}",
                item.section
            );
        }
    }

    #[test]
    fn levels_follow_the_ladder() {
        assert_eq!(Primitive::PubSub.level(), 1);
        assert_eq!(Primitive::Horde.level(), 2);
        assert_eq!(Primitive::Ra.level(), 3);
        assert_eq!(Primitive::DeltaCrdt.level(), 4);
        assert_eq!(Primitive::Partisan.level(), 5);
        assert_eq!(LEVEL_NAMES.len(), 6);
    }
}
