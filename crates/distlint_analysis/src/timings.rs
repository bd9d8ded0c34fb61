//! Time per phase of `distlint check` (`--timings`): reading, discovery,
//! parsing, modelling, summaries, each rule, suppressions, building the
//! project indexes from the summaries (see `workspace::check`). Off unless
//! [`enable`]d; then every phase adds its elapsed time (summed over the
//! worker threads, so CPU time rather than wall time) to a counter.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use crate::rules;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Phases other than the rules.
#[derive(Clone, Copy, Debug)]
pub enum Phase {
    Discover,
    Read,
    Parse,
    Model,
    Summary,
    Suppress,
    Index,
}

const PHASES: [(&str, Phase); 7] = [
    ("discover", Phase::Discover),
    ("read", Phase::Read),
    ("parse", Phase::Parse),
    ("model", Phase::Model),
    ("summary", Phase::Summary),
    ("suppress", Phase::Suppress),
    ("index", Phase::Index),
];

static PHASE_NANOS: [AtomicU64; 7] = [const { AtomicU64::new(0) }; 7];
static RULE_NANOS: LazyLock<Vec<AtomicU64>> =
    LazyLock::new(|| rules::ALL.iter().map(|_| AtomicU64::new(0)).collect());

/// Starts recording (for the rest of the process).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A start time when recording, else `None` (no clock read).
pub fn start() -> Option<Instant> {
    enabled().then(Instant::now)
}

fn add(counter: &AtomicU64, started: Option<Instant>) {
    if let Some(started) = started {
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        counter.fetch_add(nanos, Ordering::Relaxed);
    }
}

/// Adds the time since `started` to a phase.
pub fn record(phase: Phase, started: Option<Instant>) {
    add(&PHASE_NANOS[phase as usize], started);
}

/// Adds the time since `started` to the rule at `index` in [`rules::ALL`].
pub fn record_rule(index: usize, started: Option<Instant>) {
    if let Some(counter) = RULE_NANOS.get(index) {
        add(counter, started);
    }
}

/// What was recorded: phases in pipeline order, then rules, slowest first
/// (rules that took no measurable time are left out).
pub fn report() -> Vec<(String, Duration)> {
    let read = |c: &AtomicU64| Duration::from_nanos(c.load(Ordering::Relaxed));
    let mut lines: Vec<(String, Duration)> = PHASES
        .iter()
        .map(|(name, phase)| (name.to_string(), read(&PHASE_NANOS[*phase as usize])))
        .collect();
    let mut by_rule: Vec<(String, Duration)> = rules::ALL
        .iter()
        .zip(RULE_NANOS.iter())
        .map(|(rule, nanos)| (format!("rule {}", rule.name), read(nanos)))
        .filter(|(_, time)| !time.is_zero())
        .collect();
    by_rule.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    lines.extend(by_rule);
    lines
}
