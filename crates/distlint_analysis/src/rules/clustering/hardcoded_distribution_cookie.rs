//! A distribution cookie written into the source.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Fix, Severity, TextEdit};
use crate::model::FileModel;
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    atom_name, contains, list_elements, text_literal, unparenthesized, KeywordPair, Keywords,
};

pub static RULE: Rule = Rule {
    name: "hardcoded-distribution-cookie",
    topic: Topic::Clustering,
    severity: Severity::Error,
    summary:
        "A distribution cookie written in the source: whoever reads it can run code on your nodes.",
    scope: Scope::Production,
    fixable: true,
    check,
};

/// What a cookie written in the repository lets its readers do.
const WHY: &str = "whoever reads it can run any code on your nodes";

/// What the quick fix puts in place of a literal cookie passed to `set_cookie`.
const COOKIE_FROM_ENV: &str = "String.to_atom(System.fetch_env!(\"RELEASE_COOKIE\"))";

/// Command-line flags followed by the cookie.
const COOKIE_FLAGS: &[&str] = &["--cookie", "-setcookie"];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    set_cookie_calls(file, out);
    command_line_flags(file, out);
    if cx.path.file_name().is_some_and(|name| name == "mix.exs") {
        release_cookies(file, out);
    }
    if cx.path.ends_with("rel/config.exs") {
        distillery_cookies(file, out);
    }
}

/// Distillery's `rel/config.exs`: `set cookie: :secret` in an `environment`
/// or `release` block. The file is in the repository like mix.exs.
fn distillery_cookies(file: &FileModel<'_>, out: &mut Vec<Finding>) {
    for call in file.calls_to("", "set") {
        let Some(cookie) = call
            .keyword_options()
            .and_then(|options| options.pair("cookie", file.source))
        else {
            continue;
        };
        if is_literal_cookie(file, cookie.value) {
            out.push(Finding::new(
                cookie.node.byte_range(),
                format!(
                    "the Distillery configuration has its cookie written in the repository: {WHY}"
                ),
            ));
        }
    }
}

/// `Node.set_cookie(:secret)`, `:erlang.set_cookie(node(), :secret)`.
fn set_cookie_calls(file: &FileModel<'_>, out: &mut Vec<Finding>) {
    for module in ["Node", ":erlang", ":auth"] {
        for call in file.calls_to(module, "set_cookie") {
            let Some(cookie) = call.args.last().copied() else {
                continue;
            };
            if call.capture || !is_literal_cookie(file, cookie) {
                continue;
            }
            let (module, name, arity) = call.mfa();
            out.push(
                Finding::new(
                    cookie.byte_range(),
                    format!("`{module}.{name}/{arity}` sets a cookie written in the source: {WHY}"),
                )
                .with_fix(read_from_environment(file, cookie)),
            );
        }
    }
}

/// `["--cookie", "secret"]` in an argument list, or `"--cookie secret"` in one
/// string (or charlist, `:os.cmd('erl -setcookie secret')`, or `~w(...)` sigil).
fn command_line_flags(file: &FileModel<'_>, out: &mut Vec<Finding>) {
    for string in &file.strings {
        let Some(content) = text_literal(string.node, file.source) else {
            continue;
        };
        // Every flag names a cookie: the cheap test before walking up the tree.
        if !content.contains("cookie") || in_documentation(file, string.node) {
            continue;
        }
        let words: Vec<&str> = content.split_whitespace().collect();
        if let [flag] = words.as_slice() {
            if COOKIE_FLAGS.contains(flag) {
                if let Some(value) = next_list_element(string.node) {
                    if text_literal(value, file.source).is_some_and(|v| looks_like_cookie(v.trim()))
                    {
                        out.push(flag_finding(flag, value));
                    }
                }
            }
            continue;
        }
        let flag_with_value = words
            .windows(2)
            .find(|pair| COOKIE_FLAGS.contains(&pair[0]) && looks_like_cookie(pair[1]));
        if let Some(pair) = flag_with_value {
            out.push(flag_finding(pair[0], string.node));
        }
    }
}

/// A concrete cookie value, not a placeholder (`COOKIE`, `<cookie>`, `$COOKIE`)
/// or the next word of a message (`"--cookie : cannot set ..."`).
fn looks_like_cookie(word: &str) -> bool {
    let token = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    // Usage texts write `COOKIE`; generated cookies are long runs of capitals.
    let placeholder = word.chars().all(|c| !c.is_ascii_lowercase())
        && (word.contains("COOKIE") || word.len() < 8);
    !word.is_empty() && token && !placeholder
}

/// Inside `@doc`, `@moduledoc` or `@typedoc`: an example for readers, not a cookie in use.
fn in_documentation(file: &FileModel<'_>, node: Node<'_>) -> bool {
    crate::syntax::ancestors(node).any(|ancestor| {
        crate::syntax::attribute_definition(ancestor, file.source)
            .is_some_and(|(name, _)| matches!(name, "doc" | "moduledoc" | "typedoc"))
    })
}

fn flag_finding(flag: &str, node: Node<'_>) -> Finding {
    Finding::new(
        node.byte_range(),
        format!("`{flag}` is given a cookie written in the source: {WHY}"),
    )
}

/// The element after `node` in the list literal that contains it.
fn next_list_element(node: Node<'_>) -> Option<Node<'_>> {
    let list = node.parent()?;
    let elements = list_elements(list)?;
    let index = elements.iter().position(|e| e.id() == node.id())?;
    elements.get(index + 1).copied()
}

/// `releases: [app: [cookie: "abc"]]` in the project of a mix.exs.
fn release_cookies<'t>(file: &FileModel<'t>, out: &mut Vec<Finding>) {
    let source = file.source;
    // `releases: [...]` in `project/0`, written in place or returned by helpers
    // (`releases: releases()`, `app: app_release()`): what the value may be.
    let value_of = |node: Node<'t>| -> Node<'t> {
        unparenthesized(file.value_of(file.function_at(node), node))
    };
    let mut release_lists: Vec<Keywords<'_>> = Vec::new();
    for function in file.functions.iter().filter(|f| f.name == "project") {
        let Some(body) = function.body else {
            continue;
        };
        let project = value_of(crate::syntax::last_expression(body));
        if let Some(releases) = Keywords::cast(project).and_then(|p| p.get("releases", source)) {
            release_lists.extend(Keywords::cast(value_of(releases)));
        }
    }
    // A `releases` function not called as above (`releases: releases(Mix.env())`).
    for function in file.functions.iter().filter(|f| f.name == "releases") {
        if let Some(list) = function
            .body
            .and_then(|body| Keywords::cast(value_of(crate::syntax::last_expression(body))))
        {
            if !release_lists
                .iter()
                .any(|seen| seen.node.id() == list.node.id())
            {
                release_lists.push(list);
            }
        }
    }
    for releases in release_lists {
        for release in releases.pairs() {
            let Some(options) = Keywords::cast(value_of(release.value)) else {
                continue;
            };
            if let Some(cookie) = options.pair("cookie", source) {
                if is_literal_cookie(file, cookie.value) {
                    out.push(
                        Finding::new(
                            cookie.node.byte_range(),
                            format!(
                                "release `{}` has its cookie written in mix.exs: {WHY}",
                                release.key_name(source)
                            ),
                        )
                        .with_fix(remove_pair(source, options, cookie)),
                    );
                }
            }
        }
    }
}

/// Replaces the literal with a read of `RELEASE_COOKIE` at run time. Not offered when
/// the literal comes from a module attribute: the secret would stay in the source.
fn read_from_environment(file: &FileModel<'_>, cookie: Node<'_>) -> Option<Fix> {
    if file
        .attribute_refs
        .iter()
        .any(|reference| contains(cookie, reference.node))
    {
        return None;
    }
    Some(Fix {
        title: "Read the cookie from RELEASE_COOKIE at run time".to_string(),
        edits: vec![TextEdit::replace(cookie.byte_range(), COOKIE_FROM_ENV)],
    })
}

/// Deletes the `cookie:` pair from the release options, with the comma that joins it
/// to its neighbour. `mix release` then writes a random cookie to `releases/COOKIE`
/// where the release directory has none (it keeps an existing file, such as one
/// written from the old literal), and `RELEASE_COOKIE` overrides it at start-up.
fn remove_pair(source: &str, options: Keywords<'_>, cookie: KeywordPair<'_>) -> Option<Fix> {
    let pairs: Vec<KeywordPair<'_>> = options.pairs().collect();
    let index = pairs.iter().position(|p| p.node.id() == cookie.node.id())?;
    let range = match (index.checked_sub(1).map(|i| pairs[i]), pairs.get(index + 1)) {
        // `..., cookie: "x"`: from the end of the previous pair.
        (Some(previous), _) => previous.node.end_byte()..cookie.node.end_byte(),
        // `cookie: "x", ...`: up to the next pair.
        (None, Some(next)) => cookie.node.start_byte()..next.node.start_byte(),
        // The only option: its whole line when it has one to itself.
        (None, None) => {
            let range = cookie.node.byte_range();
            let start = source[..range.start].rfind('\n').map_or(0, |i| i + 1);
            let end = source[range.end..]
                .find('\n')
                .map_or(source.len(), |i| range.end + i + 1);
            if source[start..range.start].trim().is_empty()
                && source[range.end..end].trim().is_empty()
            {
                start..end
            } else {
                range
            }
        }
    };
    Some(Fix {
        title: "Remove the cookie (then delete the releases/COOKIE built with it)".to_string(),
        edits: vec![TextEdit::replace(range, "")],
    })
}

/// An atom or text literal, `String.to_atom("...")` (`:erlang.list_to_atom('...')`),
/// or an attribute holding one.
fn is_literal_cookie(file: &FileModel<'_>, node: Node<'_>) -> bool {
    let node = unparenthesized(file.value_of(file.function_at(node), node));
    let source = file.source;
    if let Some(atom) = atom_name(node, source) {
        return !matches!(atom, "nil" | "true" | "false" | "nocookie");
    }
    if text_literal(node, source).is_some() || derivable_string(file, node) {
        return true;
    }
    // `"depot-" <> "secret"`: every part known.
    if let Some(op) = crate::syntax::BinaryOp::cast(node) {
        if op.operator_text(source) == "<>" {
            return is_literal_cookie(file, op.left) && is_literal_cookie(file, op.right);
        }
    }
    // `String.to_atom("secret")`, also piped: `"secret" |> String.to_atom()`.
    file.call_for_expression(node).is_some_and(|call| {
        matches!(
            call.mfa(),
            ("String", "to_atom", 1) | (":erlang", "binary_to_atom" | "list_to_atom", 1 | 2)
        ) && call
            .args
            .first()
            .is_some_and(|arg| is_literal_cookie(file, *arg))
    })
}

/// A string built only from parts the repository holds: `"#{@app}_cookie"`,
/// `"#{__MODULE__}-secret"`. Whoever reads the code can compute it.
fn derivable_string(file: &FileModel<'_>, node: Node<'_>) -> bool {
    if node.kind() != "string" {
        return false;
    }
    let mut interpolated = false;
    for part in crate::syntax::named_children(node) {
        match part.kind() {
            "quoted_content" | "escape_sequence" => {}
            "interpolation" => {
                interpolated = true;
                let Some(inner) = crate::syntax::named_children(part).next() else {
                    return false;
                };
                let value = unparenthesized(file.value_of(file.function_at(inner), inner));
                let known = atom_name(value, file.source).is_some()
                    || text_literal(value, file.source).is_some()
                    || value.kind() == "alias"
                    || file.text(value) == "__MODULE__";
                if !known {
                    return false;
                }
            }
            _ => return false,
        }
    }
    interpolated
}
