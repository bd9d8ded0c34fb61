//! What a lint asked of a project whose index and facts are still to be
//! built (`distlint check` reads each file once: it lints every file with
//! the project pending, builds the project from what the lint read, and
//! lints again only the files whose answers change; see `workspace::check`).

use std::cell::RefCell;

use super::singletons::ClusterName;
use super::summary::FunctionKey;
use super::ProjectModel;

/// A question a rule asked a pending project.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Question {
    /// The summary of a function the linted file does not define (a
    /// pending index answers that it has none).
    Function(FunctionKey),
    /// [`ProjectModel::start_handled_by_caller`].
    HandledStart { module: String, function: String },
    /// [`ProjectModel::started_as_singleton`].
    Singleton(String),
    /// [`ProjectModel::cluster_name_of`].
    ClusterName {
        module: String,
        function: String,
        arity: usize,
    },
}

impl Question {
    /// Whether `built` answers otherwise than `pending` did.
    pub fn answer_changes(&self, pending: &ProjectModel, built: &ProjectModel) -> bool {
        match self {
            Question::Function(key) => built.summaries.has_function(key),
            Question::HandledStart { module, function } => {
                pending.start_handled_by_caller(module, function)
                    != built.start_handled_by_caller(module, function)
            }
            Question::Singleton(module) => {
                pending.started_as_singleton(module) != built.started_as_singleton(module)
            }
            Question::ClusterName {
                module,
                function,
                arity,
            } => {
                let answer = |project: &ProjectModel| -> Option<ClusterName> {
                    project.cluster_name_of(module, function, *arity)
                };
                answer(pending) != answer(built)
            }
        }
    }
}

thread_local! {
    /// The questions asked on this thread while [`asked_of_pending`] records.
    static ASKED: RefCell<Option<Vec<Question>>> = const { RefCell::new(None) };
}

/// Notes a question asked of a pending project (nothing unless recording).
pub fn record(question: impl FnOnce() -> Question) {
    ASKED.with(|asked| {
        if let Some(asked) = asked.borrow_mut().as_mut() {
            asked.push(question());
        }
    });
}

/// Runs `f` and returns, with its result, the questions it asked of a
/// pending project, sorted, each once: its result is what it would be with
/// the project built unless the built project answers one of them otherwise
/// ([`Question::answer_changes`]).
pub fn asked_of_pending<T>(f: impl FnOnce() -> T) -> (T, Vec<Question>) {
    let outer = ASKED.with(|asked| asked.borrow_mut().replace(Vec::new()));
    let result = f();
    let asked = ASKED.with(|asked| std::mem::replace(&mut *asked.borrow_mut(), outer));
    let mut asked = asked.unwrap_or_default();
    asked.sort();
    asked.dedup();
    (result, asked)
}
