//! The twelve reference topics: every rule links to one of them.

/// A reference topic; its page is `docs/reference/<name>.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    LeaderElection,
    DistributedTransactions,
    GossipProtocols,
    ConsistentHashing,
    EventSourcing,
    EscalationLadder,
    Consensus,
    Clustering,
    FailureModes,
    CapTradeoffs,
    ProductionChecklist,
    ResiliencePrinciples,
}

impl Topic {
    pub const ALL: [Topic; 12] = [
        Topic::LeaderElection,
        Topic::DistributedTransactions,
        Topic::GossipProtocols,
        Topic::ConsistentHashing,
        Topic::EventSourcing,
        Topic::EscalationLadder,
        Topic::Consensus,
        Topic::Clustering,
        Topic::FailureModes,
        Topic::CapTradeoffs,
        Topic::ProductionChecklist,
        Topic::ResiliencePrinciples,
    ];

    /// The page name, also accepted in `select`/`ignore`.
    pub fn name(self) -> &'static str {
        match self {
            Topic::LeaderElection => "leader-election",
            Topic::DistributedTransactions => "distributed-transactions",
            Topic::GossipProtocols => "gossip-protocols",
            Topic::ConsistentHashing => "consistent-hashing",
            Topic::EventSourcing => "event-sourcing",
            Topic::EscalationLadder => "escalation-ladder",
            Topic::Consensus => "consensus",
            Topic::Clustering => "clustering",
            Topic::FailureModes => "failure-modes",
            Topic::CapTradeoffs => "cap-tradeoffs",
            Topic::ProductionChecklist => "production-checklist",
            Topic::ResiliencePrinciples => "resilience-principles",
        }
    }

    pub fn from_name(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.name() == name)
    }
}
