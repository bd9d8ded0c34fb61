//! Thin, typed views over tree-sitter-elixir nodes.
//!
//! Rules never compare node kinds or slice node text themselves: they ask these
//! views ("is this an atom, and which?", "the value of the `name:` keyword").
//! Each view is `Copy` and borrows the tree and the source text.

mod control;
mod literal;

pub use control::{
    established_within, negated_operand, pinned_variables, receive_after, variables_read,
    Established,
};
pub use literal::{atom_name, integer_value, is_atom, string_literal, text_literal};
use tree_sitter::Node;

/// The text a node covers.
pub fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    &source[node.byte_range()]
}

/// Named children, skipping comments (they may appear anywhere in the tree).
pub fn named_children<'t>(node: Node<'t>) -> NamedChildren<'t> {
    NamedChildren {
        cursor: node.walk(),
        state: CursorState::Start,
    }
}

/// Iterator over the named, non-comment children of a node, without allocating a list.
pub struct NamedChildren<'t> {
    cursor: tree_sitter::TreeCursor<'t>,
    state: CursorState,
}

enum CursorState {
    Start,
    Walking,
    Done,
}

impl<'t> Iterator for NamedChildren<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        loop {
            let moved = match self.state {
                CursorState::Start => self.cursor.goto_first_child(),
                CursorState::Walking => self.cursor.goto_next_sibling(),
                CursorState::Done => return None,
            };
            if !moved {
                self.state = CursorState::Done;
                return None;
            }
            self.state = CursorState::Walking;
            let node = self.cursor.node();
            if node.is_named() && node.kind_id() != kinds().comment {
                return Some(node);
            }
        }
    }
}

/// The first named child of a given kind.
pub fn child_of_kind<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    named_children(node).find(|child| child.kind() == kind)
}

/// Node kind ids of the grammar, for the hot paths (comparing ids is cheaper
/// than `Node::kind`, which converts a C string each time).
pub struct Kinds {
    pub call: u16,
    pub comment: u16,
    pub arguments: u16,
    pub do_block: u16,
    pub unary_operator: u16,
    pub binary_operator: u16,
    pub atom: u16,
    pub quoted_atom: u16,
    pub string: u16,
    pub charlist: u16,
    pub sigil: u16,
    pub access_call: u16,
    pub pair: u16,
    pub alias: u16,
    pub dot: u16,
}

pub fn kinds() -> &'static Kinds {
    static KINDS: std::sync::OnceLock<Kinds> = std::sync::OnceLock::new();
    KINDS.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_elixir::LANGUAGE.into();
        let id = |kind: &str| language.id_for_node_kind(kind, true);
        Kinds {
            call: id("call"),
            comment: id("comment"),
            arguments: id("arguments"),
            do_block: id("do_block"),
            unary_operator: id("unary_operator"),
            binary_operator: id("binary_operator"),
            atom: id("atom"),
            quoted_atom: id("quoted_atom"),
            string: id("string"),
            charlist: id("charlist"),
            sigil: id("sigil"),
            access_call: id("access_call"),
            pair: id("pair"),
            alias: id("alias"),
            dot: id("dot"),
        }
    })
}

/// `identifier` node text, if the node is one.
pub fn identifier_name<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    (node.kind() == "identifier").then(|| text(node, source))
}

/// Is this node a variable-like identifier (not `__MODULE__` and friends)?
pub fn variable_name<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    identifier_name(node, source).filter(|name| !name.starts_with("__"))
}

/// A call node: `f(x)`, `Mod.f(x)`, `:mod.f x`, `def f do ... end`.
#[derive(Clone, Copy, Debug)]
pub struct CallNode<'t> {
    pub node: Node<'t>,
}

/// What a call's `target` field holds.
#[derive(Clone, Copy, Debug)]
pub enum CallTargetNode<'t> {
    /// `name(...)`
    Local { name: Node<'t> },
    /// `receiver.name(...)`: receiver is an alias, atom, identifier or expression.
    Remote { receiver: Node<'t>, name: Node<'t> },
    /// `fun.(...)` and anything else we do not resolve.
    Other,
}

impl<'t> CallNode<'t> {
    pub fn cast(node: Node<'t>) -> Option<Self> {
        (node.kind_id() == kinds().call).then_some(CallNode { node })
    }

    pub fn target(self) -> CallTargetNode<'t> {
        let Some(target) = self.node.child_by_field_name("target") else {
            return CallTargetNode::Other;
        };
        match target.kind() {
            "identifier" => CallTargetNode::Local { name: target },
            "dot" => match (
                target.child_by_field_name("left"),
                target.child_by_field_name("right"),
            ) {
                (Some(receiver), Some(name)) if name.kind() == "identifier" => {
                    CallTargetNode::Remote { receiver, name }
                }
                _ => CallTargetNode::Other,
            },
            _ => CallTargetNode::Other,
        }
    }

    /// The local name when the target is a plain identifier (`def`, `rem`, ...).
    pub fn local_name(self, source: &str) -> Option<&str> {
        match self.target() {
            CallTargetNode::Local { name } => Some(text(name, source)),
            _ => None,
        }
    }

    /// The `arguments` node, absent for `Mod.fun` without parentheses.
    pub fn arguments_node(self) -> Option<Node<'t>> {
        let arguments = kinds().arguments;
        named_children(self.node).find(|child| child.kind_id() == arguments)
    }

    /// Written arguments (a trailing keyword list counts as one argument).
    pub fn arguments(self) -> Vec<Node<'t>> {
        self.arguments_node()
            .map(|args| named_children(args).collect())
            .unwrap_or_default()
    }

    pub fn do_block(self) -> Option<Node<'t>> {
        let do_block = kinds().do_block;
        named_children(self.node).find(|child| child.kind_id() == do_block)
    }
}

/// The `pattern -> body` clauses of a `do ... end` block (`case`, `receive`):
/// the pattern side of each (`left`: the patterns, with the guard if any).
pub fn clause_patterns<'t>(do_block: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    named_children(do_block)
        .filter(|child| child.kind() == "stab_clause")
        .filter_map(|clause| clause.child_by_field_name("left"))
}

/// `left op right`.
#[derive(Clone, Copy, Debug)]
pub struct BinaryOp<'t> {
    pub node: Node<'t>,
    pub left: Node<'t>,
    pub right: Node<'t>,
    pub operator: Node<'t>,
}

impl<'t> BinaryOp<'t> {
    pub fn cast(node: Node<'t>) -> Option<Self> {
        if node.kind_id() != kinds().binary_operator {
            return None;
        }
        Some(BinaryOp {
            node,
            left: node.child_by_field_name("left")?,
            right: node.child_by_field_name("right")?,
            operator: node.child_by_field_name("operator")?,
        })
    }

    pub fn operator_text<'s>(&self, source: &'s str) -> &'s str {
        text(self.operator, source)
    }
}

/// Attributes that hold types or documentation, not values: `@spec f(node()) :: node`.
pub const NOT_VALUE_ATTRIBUTES: &[&str] = &[
    "spec",
    "type",
    "typep",
    "opaque",
    "callback",
    "macrocallback",
    "doc",
    "moduledoc",
    "typedoc",
    "impl",
];

/// `@name` read as a value.
pub fn attribute_reference<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    let operand = at_operand(node, source)?;
    identifier_name(operand, source)
}

/// `@name value` at module level: the attribute name and its value node.
pub fn attribute_definition<'t, 's>(
    node: Node<'t>,
    source: &'s str,
) -> Option<(&'s str, Node<'t>)> {
    let operand = CallNode::cast(at_operand(node, source)?)?;
    let name = operand.local_name(source)?;
    let args = operand.arguments();
    match args.as_slice() {
        [value] => Some((name, *value)),
        _ => None,
    }
}

fn at_operand<'t>(node: Node<'t>, source: &str) -> Option<Node<'t>> {
    if node.kind_id() != kinds().unary_operator {
        return None;
    }
    let operator = node.child_by_field_name("operator")?;
    (text(operator, source) == "@").then(|| node.child_by_field_name("operand"))?
}

/// Elements of a `{...}` tuple.
pub fn tuple_elements<'t>(node: Node<'t>) -> Option<Vec<Node<'t>>> {
    (node.kind() == "tuple").then(|| named_children(node).collect())
}

/// Elements of a `[...]` list literal (a keyword tail counts as one element).
pub fn list_elements<'t>(node: Node<'t>) -> Option<Vec<Node<'t>>> {
    (node.kind() == "list").then(|| named_children(node).collect())
}

/// A keyword list: trailing `key: value` arguments or a `[key: value]` literal.
#[derive(Clone, Copy, Debug)]
pub struct Keywords<'t> {
    pub node: Node<'t>,
}

/// One `key: value` pair.
#[derive(Clone, Copy, Debug)]
pub struct KeywordPair<'t> {
    pub node: Node<'t>,
    pub key: Node<'t>,
    pub value: Node<'t>,
}

impl<'t> KeywordPair<'t> {
    /// A `pair` node (`key: value`).
    pub fn cast(node: Node<'t>) -> Option<Self> {
        if node.kind_id() != kinds().pair {
            return None;
        }
        Some(KeywordPair {
            node,
            key: node.child_by_field_name("key")?,
            value: node.child_by_field_name("value")?,
        })
    }

    /// The key without its `: ` (and without quotes for `"quoted": v`).
    pub fn key_name<'s>(&self, source: &'s str) -> &'s str {
        let raw = text(self.key, source).trim_end();
        let raw = raw.strip_suffix(':').unwrap_or(raw);
        raw.trim_matches('"')
    }
}

impl<'t> Keywords<'t> {
    /// Accepts a `keywords` node, or a `list` whose content is one.
    pub fn cast(node: Node<'t>) -> Option<Self> {
        match node.kind() {
            "keywords" => Some(Keywords { node }),
            "list" => {
                let inner = child_of_kind(node, "keywords")?;
                Some(Keywords { node: inner })
            }
            _ => None,
        }
    }

    pub fn pairs(self) -> impl Iterator<Item = KeywordPair<'t>> {
        named_children(self.node).filter_map(|pair| {
            Some(KeywordPair {
                node: pair,
                key: pair.child_by_field_name("key")?,
                value: pair.child_by_field_name("value")?,
            })
        })
    }

    pub fn get(self, key: &str, source: &str) -> Option<Node<'t>> {
        self.pair(key, source).map(|pair| pair.value)
    }

    pub fn pair(self, key: &str, source: &str) -> Option<KeywordPair<'t>> {
        self.pairs().find(|pair| pair.key_name(source) == key)
    }
}

/// Ancestors of a node, nearest first.
pub fn ancestors<'t>(node: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    std::iter::successors(node.parent(), |n| n.parent())
}

/// Does `inner` lie within `outer` (by byte range)?
pub fn contains(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// Strip parentheses: `(expr)` is a `block` with a single child.
pub fn unparenthesized(node: Node<'_>) -> Node<'_> {
    let mut node = node;
    while node.kind() == "block" {
        let mut children = named_children(node);
        match (children.next(), children.next()) {
            (Some(only), None) => node = only,
            _ => break,
        }
    }
    node
}

/// The value a `do ... end` block evaluates to: its last expression. Any other
/// body (a `do:` value) is returned as is.
pub fn last_expression(body: Node<'_>) -> Node<'_> {
    if body.kind() == "do_block" {
        named_children(body).last().unwrap_or(body)
    } else {
        body
    }
}

/// `&name/arity` capturing a local function.
pub fn local_capture<'s>(node: Node<'_>, source: &'s str) -> Option<(&'s str, usize)> {
    let operator = node.child_by_field_name("operator")?;
    if node.kind_id() != kinds().unary_operator || text(operator, source) != "&" {
        return None;
    }
    let op = BinaryOp::cast(node.child_by_field_name("operand")?)?;
    if op.operator_text(source) != "/" {
        return None;
    }
    let name = identifier_name(op.left, source)?;
    let arity = integer_value(op.right, source)?;
    Some((name, usize::try_from(arity).ok()?))
}

/// Uses of the variable `name` inside `scope` (a function body, a clause).
/// A small local look for the few rules that ask after a finding candidate;
/// the FileModel does not index every identifier.
pub fn variable_uses<'t>(scope: Node<'t>, name: &str, source: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    let mut stack = vec![scope];
    while let Some(node) = stack.pop() {
        if identifier_name(node, source) == Some(name) {
            found.push(node);
        }
        stack.extend(named_children(node));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_ids_agree_with_kind_names() {
        let text = "defmodule A do\n  @x :y\n  # c\n  def f(a), do: [a |> g(), :\"q\", \"s\", ~c\"l\", 'l', ~w(a), m[k], -a]\nend\n";
        let parsed = crate::parse::ParsedFile::parse(text);
        let k = kinds();
        let pairs = [
            ("call", k.call),
            ("comment", k.comment),
            ("arguments", k.arguments),
            ("do_block", k.do_block),
            ("unary_operator", k.unary_operator),
            ("binary_operator", k.binary_operator),
            ("atom", k.atom),
            ("quoted_atom", k.quoted_atom),
            ("string", k.string),
            ("charlist", k.charlist),
            ("sigil", k.sigil),
            ("access_call", k.access_call),
            ("pair", k.pair),
        ];
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![parsed.tree.root_node()];
        while let Some(node) = stack.pop() {
            for (name, id) in pairs {
                assert_eq!(
                    node.kind() == name,
                    node.kind_id() == id,
                    "{name} vs {}",
                    node.kind()
                );
                if node.kind() == name {
                    seen.insert(name);
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
        assert_eq!(
            seen.len(),
            pairs.len(),
            "every kind appears in the sample: {seen:?}"
        );
    }
}
