//! What a call does besides computing a value: side effects (database, HTTP,
//! mail) and non-deterministic inputs (clocks, randomness). Shared by the rules
//! that care, so that "an Ecto repo" means the same thing in each of them.

use tree_sitter::Node;

use super::{Call, FileModel, FunctionId, ModuleId};
use crate::syntax::{atom_name, named_children, Keywords};

/// Why a call is not pure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Reads a clock (`DateTime.utc_now/0`, `System.system_time/1`).
    Clock,
    /// Draws a random value or a fresh identifier (`:rand.uniform/1`, `Ecto.UUID.generate/0`).
    Random,
    /// Talks to the database through an Ecto repo (`Repo.insert/2`, `MyApp.Repo.get/2`).
    Database,
    /// Makes an HTTP request (HTTPoison, Req, Tesla, Finch, `:httpc`).
    Http,
    /// Sends an email (`Mailer.deliver/1`, Bamboo's `deliver_now/1`).
    Mail,
    /// `raise`/`reraise`.
    Raise,
}

const HTTP_CLIENTS: &[&str] = &[
    "HTTPoison",
    "HTTPotion",
    "Req",
    "Tesla",
    "Finch",
    "Mint.HTTP",
    ":httpc",
    ":hackney",
];

const MAIL_FUNCTIONS: &[&str] = &[
    "deliver",
    "deliver!",
    "deliver_now",
    "deliver_now!",
    "deliver_later",
    "deliver_later!",
];

/// Sends an email: any function whose name starts with `deliver` on a module
/// whose name ends in `Mailer` (`Mailer.deliver/1`, Bamboo's `deliver_later/1`,
/// and wrappers such as `RateLimitedMailer.deliver_throttled/1`).
pub fn is_mailer_delivery(module: &str, name: &str) -> bool {
    let last = module.rsplit('.').next().unwrap_or(module);
    last.ends_with("Mailer") && name.starts_with("deliver")
}

/// An Ecto repo by its name: `Repo`, `MyApp.Repo`, `MyApp.ReadRepo`.
pub fn is_repo(module: &str) -> bool {
    module
        .rsplit('.')
        .next()
        .is_some_and(|last| last.ends_with("Repo"))
}

/// The effect of a call, if it has one of those this topic cares about.
pub fn effect_of(call: &Call<'_>) -> Option<Effect> {
    if call.capture {
        return None;
    }
    let (module, name, _) = call.mfa();
    let effect = match (module, name) {
        ("DateTime", "utc_now" | "now" | "now!")
        | ("NaiveDateTime", "utc_now" | "local_now")
        | ("Date", "utc_today")
        | ("Time", "utc_now")
        | ("System", "system_time" | "os_time" | "monotonic_time")
        | (":os", "system_time" | "timestamp")
        | (":erlang", "system_time" | "monotonic_time" | "now" | "timestamp")
        | (":calendar", "universal_time" | "local_time")
        | ("Timex", "now" | "local") => Effect::Clock,
        (":rand", _)
        | ("Enum", "random" | "shuffle" | "take_random")
        | (":crypto", "strong_rand_bytes")
        | ("Ecto.UUID", "generate" | "bingenerate" | "autogenerate")
        | ("UUID", "uuid1" | "uuid4")
        | ("Uniq.UUID", "uuid1" | "uuid4" | "uuid6" | "uuid7") => Effect::Random,
        ("", "raise" | "reraise") => Effect::Raise,
        ("" | "?", _) => return None,
        (module, _) if HTTP_CLIENTS.contains(&module) => Effect::Http,
        (module, _) if is_repo(module) => Effect::Database,
        (_, name) if MAIL_FUNCTIONS.contains(&name) => Effect::Mail,
        (module, name) if is_mailer_delivery(module, name) => Effect::Mail,
        _ => return None,
    };
    Some(effect)
}

/// How a finding names a call: `DateTime.utc_now/0`, `raise`.
pub fn call_label(call: &Call<'_>) -> String {
    let (module, name, arity) = call.mfa();
    if module.is_empty() {
        name.to_string()
    } else {
        format!("{module}.{name}/{arity}")
    }
}

/// Calls whose effect is one of `wanted`, made inside `function`.
pub fn effects_in<'m, 't>(
    file: &'m FileModel<'t>,
    function: FunctionId,
    wanted: &'m [Effect],
) -> impl Iterator<Item = (&'m Call<'t>, Effect)> + 'm {
    file.calls
        .iter()
        .filter(move |call| call.function == Some(function))
        .filter_map(|call| effect_of(call).map(|effect| (call, effect)))
        .filter(move |(_, effect)| wanted.contains(effect))
}

/// Does the module have a public `def name/arity`?
pub fn defines(file: &FileModel<'_>, module: ModuleId, name: &str, arity: usize) -> bool {
    file.functions_of(module)
        .any(|(_, f)| f.public && f.name == name && f.arity == arity)
}

/// Does the word `event_number` appear as code (a variable, a field read, a
/// map or keyword key) inside `node`? Handlers that read it usually track
/// which events they have already handled.
pub fn mentions_event_number(file: &FileModel<'_>, node: Node<'_>) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        let matched = match node.kind() {
            "identifier" => file.text(node) == "event_number",
            "keyword" => file.text(node).trim_end().trim_end_matches(':') == "event_number",
            "atom" => atom_name(node, file.source) == Some("event_number"),
            _ => false,
        };
        if matched {
            return true;
        }
        stack.extend(named_children(node));
    }
    false
}

/// The `on_conflict:` option of an insert, when the options are written out:
/// `Some(true)` if present, `Some(false)` if the options are known and lack
/// it, `None` when they are computed elsewhere (a variable, a function call).
pub fn has_on_conflict(file: &FileModel<'_>, options: Option<Node<'_>>) -> Option<bool> {
    let Some(options) = options else {
        return Some(false);
    };
    let options = file.resolve_attribute(options);
    let keywords = Keywords::cast(options)?;
    Some(keywords.get("on_conflict", file.source).is_some())
}

/// An effect outside the process and its database: what a transaction's
/// rollback cannot take back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutsideEffect {
    Mail,
    Http,
    Broadcast,
    RemoteCall,
}

impl OutsideEffect {
    /// What the call does, in a message: "makes an HTTP request".
    pub fn describe(self) -> &'static str {
        match self {
            OutsideEffect::Mail => "sends an email",
            OutsideEffect::Http => "makes an HTTP request",
            OutsideEffect::Broadcast => "broadcasts a message",
            OutsideEffect::RemoteCall => "calls another node",
        }
    }
}

/// The effect of a call outside the process and its database, if any: an
/// email (any `deliver*` of a `*Mailer`), an HTTP request of a known client,
/// a PubSub or endpoint broadcast, a call to another node.
pub fn outside_effect(call: &Call<'_>) -> Option<OutsideEffect> {
    let (module, name, _) = call.mfa();
    let last = module.rsplit('.').next().unwrap_or(module);
    let bang = name.strip_suffix('!').unwrap_or(name);
    if is_mailer_delivery(module, name) {
        return Some(OutsideEffect::Mail);
    }
    let http = match module {
        "HTTPoison" | "HTTPotion" => matches!(
            bang,
            "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "request"
        ),
        "Req" => matches!(
            bang,
            "get" | "post" | "put" | "patch" | "delete" | "head" | "request" | "run"
        ),
        "Tesla" => matches!(
            bang,
            "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "trace" | "request"
        ),
        "Finch" => matches!(
            bang,
            "request" | "stream" | "stream_while" | "async_request"
        ),
        ":httpc" | ":hackney" | "Mint.HTTP" | "Mint.HTTP1" | "Mint.HTTP2" => bang == "request",
        _ => false,
    };
    if http {
        return Some(OutsideEffect::Http);
    }
    let broadcast = matches!(
        bang,
        "broadcast"
            | "broadcast_from"
            | "local_broadcast"
            | "local_broadcast_from"
            | "direct_broadcast"
    );
    if broadcast
        && (module == "Phoenix.PubSub"
            || module == "Phoenix.Channel.Server"
            || last.ends_with("Endpoint"))
    {
        return Some(OutsideEffect::Broadcast);
    }
    match (module, name) {
        (
            ":rpc",
            "call" | "block_call" | "cast" | "multicall" | "abcast" | "sbcast" | "eval_everywhere",
        )
        | (":erpc", "call" | "cast" | "multicall" | "multicast" | "send_request") => {
            Some(OutsideEffect::RemoteCall)
        }
        _ => None,
    }
}

/// A `:persistent_term.put/2` that is cheap whenever it runs: a fixed key (an
/// atom, `__MODULE__`, or a tuple of those) set to an atom or a small integer
/// (through local bindings too). Replacing such a value needs no global
/// garbage collection (only terms bigger than a machine word do), and the key
/// table is copied only when a key is added, which a fixed key is once.
pub fn is_cheap_persistent_term_put(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let (Some(key), Some(value)) = (call.args.first(), call.args.get(1)) else {
        return false;
    };
    let value = file.value_of(call.function, *value);
    let immediate = atom_name(value, file.source).is_some()
        || crate::syntax::integer_value(value, file.source)
            .is_some_and(|n| n.unsigned_abs() < 1 << 59);
    immediate && fixed_key(file, file.value_of(call.function, *key))
}

/// A key written the same way every time: atoms, `__MODULE__`, tuples of those.
fn fixed_key(file: &FileModel<'_>, key: Node<'_>) -> bool {
    if atom_name(key, file.source).is_some()
        || matches!(key.kind(), "alias")
        || file.text(key) == "__MODULE__"
    {
        return true;
    }
    crate::syntax::tuple_elements(key)
        .is_some_and(|elements| elements.iter().all(|e| fixed_key(file, *e)))
}
