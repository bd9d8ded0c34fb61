//! Literal values: atoms, strings, integers.

use super::{named_children, text};
use tree_sitter::Node;

/// The name of an atom literal: `:foo` -> `foo`, `:"foo bar"` -> `foo bar`.
/// `None` for anything else, including atoms with interpolation.
pub fn atom_name<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    match node.kind() {
        "atom" => Some(text(node, source).trim_start_matches(':')),
        "quoted_atom" => plain_quoted_content(node, source),
        "boolean" | "nil" => Some(text(node, source)),
        _ => None,
    }
}

/// Is `node` the atom `name`?
pub fn is_atom(node: Node<'_>, source: &str, name: &str) -> bool {
    atom_name(node, source) == Some(name)
}

/// The content of a string literal without interpolation (escapes left as
/// written: the rules only compare plain words).
pub fn string_literal<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    match node.kind() {
        "string" => plain_quoted_content(node, source),
        _ => None,
    }
}

/// The content of a literal that holds text: a string, a charlist (`'abc'`),
/// or a `~s`/`~c`/`~w` sigil of either case. `None` with interpolation.
/// Command lines are written in all of these (`:os.cmd('erl ...')`, `~w(--name a)`).
pub fn text_literal<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    match node.kind() {
        "string" | "charlist" => plain_quoted_content(node, source),
        "sigil" => {
            let name = named_children(node).find(|child| child.kind() == "sigil_name")?;
            matches!(text(name, source), "s" | "S" | "c" | "C" | "w" | "W")
                .then(|| plain_quoted_content(node, source))?
        }
        _ => None,
    }
}

fn plain_quoted_content<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    let mut content = None;
    for child in named_children(node) {
        match child.kind() {
            "quoted_content" => content = Some(text(child, source)),
            "escape_sequence" | "sigil_name" | "sigil_modifiers" => {}
            _ => return None,
        }
    }
    Some(content.unwrap_or(""))
}

/// The value of an integer literal (`5_000`, `0x10`).
pub fn integer_value(node: Node<'_>, source: &str) -> Option<i128> {
    if node.kind() != "integer" {
        return None;
    }
    let digits: String = text(node, source).chars().filter(|c| *c != '_').collect();
    let (radix, digits) = match digits.get(..2) {
        Some("0x") => (16, &digits[2..]),
        Some("0o") => (8, &digits[2..]),
        Some("0b") => (2, &digits[2..]),
        _ => (10, digits.as_str()),
    };
    i128::from_str_radix(digits, radix).ok()
}
