//! The FileModel: everything the rules need about one file, gathered in ONE
//! walk of the syntax tree.
//!
//! Calls are resolved once here (aliases expanded, `__MODULE__` replaced, pipe
//! arguments put back in front, captures recognised) so that a rule says
//! `calls_to(":rpc", "call")` and never looks at the raw target syntax.

use std::collections::HashMap;

use tree_sitter::{Node, Tree};

use crate::syntax::{
    self, atom_name, attribute_definition, attribute_reference, contains, integer_value, text,
    unparenthesized, BinaryOp, CallNode, CallTargetNode, Keywords,
};

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
id_type!(ModuleId);
id_type!(FunctionId);
id_type!(CallId);
id_type!(AttributeId);

/// A `defmodule`.
#[derive(Debug)]
pub struct Module<'t> {
    /// Fully qualified name, nesting resolved (`MyApp.Cache`).
    pub name: String,
    /// The `defmodule` call.
    pub node: Node<'t>,
    /// The module name as written.
    pub name_node: Node<'t>,
    pub parent: Option<ModuleId>,
    /// `alias` declarations, in order of definition.
    pub aliases: Vec<Alias>,
    /// `use X, opts` in this module.
    pub uses: Vec<Use<'t>>,
}

/// `alias Full.Name` (or `as: Short`): `Short` means `Full.Name` from `at` on.
#[derive(Debug)]
pub struct Alias {
    pub short: String,
    pub full: String,
    /// Byte offset of the declaration: it applies to code after it.
    pub at: usize,
}

/// `use Module, opts`.
#[derive(Debug)]
pub struct Use<'t> {
    pub module: String,
    pub node: Node<'t>,
    pub options: Option<Node<'t>>,
}

/// One clause of a `def`/`defp`/`defmacro`/`defmacrop`.
#[derive(Debug)]
pub struct Function<'t> {
    pub name: String,
    pub arity: usize,
    pub public: bool,
    /// The `def` call (covers the whole clause).
    pub node: Node<'t>,
    pub params: Vec<Node<'t>>,
    /// The head's `when` guard (`def f(n) when n == node()`).
    pub guard: Option<Node<'t>>,
    pub body: Option<Node<'t>>,
    pub module: Option<ModuleId>,
}

/// `@name value` at module level.
#[derive(Debug)]
pub struct Attribute<'t> {
    pub name: String,
    pub value: Node<'t>,
    pub node: Node<'t>,
    pub module: Option<ModuleId>,
}

/// What a call resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// `None` for local calls (`rem(a, b)`, `Kernel.rem` is normalised to this).
    /// Elixir modules by name (`GenServer`, `MyApp.Cache`), Erlang modules with
    /// their colon (`:rpc`).
    pub module: Option<String>,
    pub name: String,
    /// The receiver is an expression we cannot resolve (`mod.fun()`, `state.field`).
    pub dynamic: bool,
}

/// A call, resolved.
#[derive(Debug)]
pub struct Call<'t> {
    pub node: Node<'t>,
    pub target: Target,
    /// The real arguments: for `x |> f(y)` this is `[x, y]`.
    pub args: Vec<Node<'t>>,
    pub arity: usize,
    pub piped: bool,
    /// `&Mod.fun/2`: no arguments, `arity` from the capture.
    pub capture: bool,
    pub module: Option<ModuleId>,
    pub function: Option<FunctionId>,
    pub attribute: Option<AttributeId>,
}

impl<'t> Call<'t> {
    /// `(module, name, arity)`, with `""` as module for local calls, for
    /// matching with a slice-free pattern: `matches!(c.mfa(), (":rpc", "call", 4))`.
    pub fn mfa(&self) -> (&str, &str, usize) {
        let module = if self.target.dynamic {
            "?"
        } else {
            self.target.module.as_deref().unwrap_or("")
        };
        (module, &self.target.name, self.arity)
    }

    /// How messages name the call: `:rpc.call/4`, or `send/2` for a local call.
    pub fn signature(&self) -> String {
        match self.mfa() {
            ("", name, arity) => format!("{name}/{arity}"),
            (module, name, arity) => format!("{module}.{name}/{arity}"),
        }
    }

    pub fn is(&self, module: &str, name: &str) -> bool {
        let (m, n, _) = self.mfa();
        m == module && n == name
    }

    /// The trailing keyword-list argument, if the last argument is one.
    pub fn keyword_options(&self) -> Option<Keywords<'t>> {
        self.args.last().copied().and_then(Keywords::cast)
    }

    /// The written `arguments` node (absent for `Mod.fun` without parentheses).
    pub fn arguments_node(&self) -> Option<Node<'t>> {
        CallNode { node: self.node }.arguments_node()
    }

    /// The `do ... end` block of `case x do ... end` and friends.
    pub fn do_block(&self) -> Option<Node<'t>> {
        CallNode { node: self.node }.do_block()
    }
}

/// `name = value` where the left side is a plain variable.
#[derive(Debug)]
pub struct Binding<'t> {
    pub name: String,
    pub value: Node<'t>,
    pub node: Node<'t>,
    pub function: Option<FunctionId>,
}

/// A binary operator use (`a - b`, `x |> f`), with its enclosing function.
#[derive(Debug)]
pub struct Operator<'t> {
    pub op: BinaryOp<'t>,
    pub function: Option<FunctionId>,
}

/// An atom literal occurrence.
#[derive(Debug)]
pub struct AtomUse<'t> {
    pub name: String,
    pub node: Node<'t>,
    pub function: Option<FunctionId>,
}

/// A node with its enclosing function: strings, access calls (`state[k]`), ...
#[derive(Debug, Clone, Copy)]
pub struct Located<'t> {
    pub node: Node<'t>,
    pub function: Option<FunctionId>,
}

#[derive(Debug, Default)]
pub struct FileModel<'t> {
    pub source: &'t str,
    pub modules: Vec<Module<'t>>,
    pub functions: Vec<Function<'t>>,
    pub calls: Vec<Call<'t>>,
    pub attributes: Vec<Attribute<'t>>,
    pub bindings: Vec<Binding<'t>>,
    pub operators: Vec<Operator<'t>>,
    pub atoms: Vec<AtomUse<'t>>,
    /// Text literals: strings, charlists and sigils (read them with `syntax::text_literal`).
    pub strings: Vec<Located<'t>>,
    pub access_calls: Vec<Located<'t>>,
    /// `key: value` pairs of keyword lists (also inside maps and call options), in source order.
    pub keyword_pairs: Vec<Located<'t>>,
    /// `@name` read as a value (not a definition), with its enclosing function.
    pub attribute_refs: Vec<Located<'t>>,
    /// Module names written as values: child specs (`{Phoenix.PubSub, name: X}`),
    /// `:via` tuples, `strategy: Cluster.Strategy.Gossip`, `config :app, Oban, ...`.
    /// Not call receivers, `defmodule` names, or the modules of `alias`, `import`,
    /// `require` and `use` (those are in `uses` and `aliases`). Resolve them with
    /// [`FileModel::module_refs`].
    pub module_name_values: Vec<Located<'t>>,
    pub comments: Vec<Node<'t>>,
    /// `ERROR` and missing nodes: where the parser had to recover.
    pub syntax_errors: Vec<Node<'t>>,
    calls_by_name: HashMap<String, Vec<CallId>>,
    /// Call records by the id of their `call` node.
    calls_by_node: HashMap<usize, CallId>,
    /// Indices into `bindings`, `atoms` and `functions`, so that per-function and
    /// per-module questions cost what they return, not the size of the file.
    bindings_by_function: HashMap<FunctionId, Vec<usize>>,
    atoms_by_function: HashMap<FunctionId, Vec<usize>>,
    functions_by_module: HashMap<ModuleId, Vec<FunctionId>>,
}

const DEF_MACROS: &[&str] = &["def", "defp", "defmacro", "defmacrop"];

/// Calls whose module argument declares rather than uses a module as a value.
const DECLARATIONS: &[&str] = &["defmodule", "alias", "import", "require", "use"];

/// `def…` macros that define something other than a function. Any other
/// `def…` call with a function head and a `do` body defines a function, like
/// the typed, numerical or memoising definitions of libraries (`defn`,
/// `defun`, `defmemo`...).
const NOT_FUNCTION_DEFINERS: &[&str] = &[
    "defmodule",
    "defstruct",
    "defimpl",
    "defprotocol",
    "defexception",
    "defdelegate",
    "defoverridable",
    "defguard",
    "defguardp",
    "defrecord",
    "defrecordp",
    "defcallback",
    "defmacrocallback",
];

/// Whether a call named `name` may define a function (see [`NOT_FUNCTION_DEFINERS`]).
pub(crate) fn may_define_function(name: &str) -> bool {
    DEF_MACROS.contains(&name)
        || (name.starts_with("def") && name.len() > 3 && !NOT_FUNCTION_DEFINERS.contains(&name))
}

impl<'t> FileModel<'t> {
    /// Builds the model in one depth-first walk of `tree`.
    pub fn build(tree: &'t Tree, source: &'t str) -> Self {
        FileModel::build_from(tree.root_node(), source)
    }

    /// Builds the model of one subtree (a top-level form), in one walk of it.
    pub fn build_from(node: Node<'t>, source: &'t str) -> Self {
        let mut builder = Builder {
            model: FileModel {
                source,
                ..FileModel::default()
            },
            frames: Vec::new(),
            path: Vec::new(),
            skip_call: None,
        };
        builder.walk(node);
        builder.model.build_indices();
        builder.model
    }

    /// Calls to `module.name` (`""` for local calls), in source order.
    pub fn calls_to<'m>(
        &'m self,
        module: &'m str,
        name: &str,
    ) -> impl Iterator<Item = &'m Call<'t>> + 'm {
        self.calls_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|id| &self.calls[id.index()])
            .filter(move |call| call.mfa().0 == module)
    }

    /// Calls to any of `names` on `module`, in source order.
    pub fn calls_to_any<'m>(
        &'m self,
        module: &'m str,
        names: &'m [&'m str],
    ) -> impl Iterator<Item = &'m Call<'t>> + 'm {
        let mut ids: Vec<CallId> = names
            .iter()
            .filter_map(|name| self.calls_by_name.get(*name))
            .flatten()
            .copied()
            .collect();
        ids.sort();
        ids.into_iter()
            .map(|id| &self.calls[id.index()])
            .filter(move |call| call.mfa().0 == module)
    }

    /// Calls named `name` on any receiver (local, any module, or dynamic such
    /// as `repo.transaction(...)`), in source order.
    pub fn calls_named<'m>(&'m self, name: &str) -> impl Iterator<Item = &'m Call<'t>> + 'm {
        self.calls_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|id| &self.calls[id.index()])
    }

    /// Calls (not `&captures`) to any `(module, [names])` of `table`, in source
    /// order: the shape most rules start from.
    pub fn calls_matching<'m>(
        &'m self,
        table: &'m [(&'m str, &'m [&'m str])],
    ) -> Vec<&'m Call<'t>> {
        let mut calls: Vec<&Call<'t>> = table
            .iter()
            .flat_map(|(module, names)| self.calls_to_any(module, names))
            .filter(|call| !call.capture)
            .collect();
        calls.sort_by_key(|call| call.node.start_byte());
        calls
    }

    pub fn text(&self, node: Node<'_>) -> &'t str {
        text(node, self.source)
    }

    pub fn module(&self, id: ModuleId) -> &Module<'t> {
        &self.modules[id.index()]
    }

    pub fn function(&self, id: FunctionId) -> &Function<'t> {
        &self.functions[id.index()]
    }

    /// Every module with its id, in source order.
    pub fn modules_with_ids(&self) -> impl Iterator<Item = (ModuleId, &Module<'t>)> {
        self.modules
            .iter()
            .enumerate()
            .map(|(i, m)| (ModuleId(i as u32), m))
    }

    /// Functions of a module, all clauses, in source order.
    pub fn functions_of(
        &self,
        module: ModuleId,
    ) -> impl Iterator<Item = (FunctionId, &Function<'t>)> {
        self.functions_by_module
            .get(&module)
            .into_iter()
            .flatten()
            .map(|id| (*id, &self.functions[id.index()]))
    }

    fn build_indices(&mut self) {
        for (index, binding) in self.bindings.iter().enumerate() {
            if let Some(function) = binding.function {
                self.bindings_by_function
                    .entry(function)
                    .or_default()
                    .push(index);
            }
        }
        for (index, atom) in self.atoms.iter().enumerate() {
            if let Some(function) = atom.function {
                self.atoms_by_function
                    .entry(function)
                    .or_default()
                    .push(index);
            }
        }
        for (index, function) in self.functions.iter().enumerate() {
            if let Some(module) = function.module {
                self.functions_by_module
                    .entry(module)
                    .or_default()
                    .push(FunctionId(index as u32));
            }
        }
    }

    /// Does the module `use` the given module (`GenServer`)?
    pub fn module_uses(&self, module: ModuleId, used: &str) -> bool {
        self.module(module).uses.iter().any(|u| u.module == used)
    }

    /// The innermost module whose `defmodule` contains `node`.
    pub fn module_at(&self, node: Node<'_>) -> Option<ModuleId> {
        self.modules
            .iter()
            .enumerate()
            .filter(|(_, m)| contains(m.node, node))
            .max_by_key(|(_, m)| m.node.start_byte())
            .map(|(i, _)| ModuleId(i as u32))
    }

    /// If `node` is `@name`, the value of the latest `@name value` before it in
    /// the same module; otherwise `node` itself.
    pub fn resolve_attribute(&self, node: Node<'t>) -> Node<'t> {
        let Some(name) = attribute_reference(node, self.source) else {
            return node;
        };
        let module = self.module_at(node);
        self.attributes
            .iter()
            .rev()
            .find(|a| {
                a.name == name && a.module == module && a.node.start_byte() < node.start_byte()
            })
            .map(|a| a.value)
            .unwrap_or(node)
    }

    /// What `node` may be, one step at a time: parentheses dropped, `@name`
    /// replaced by the attribute's value, a variable by the value most
    /// recently bound to it in `function` before its use (`name = ...` then
    /// `f(name)`), and a call of a zero-argument function of the same module
    /// with one clause (`releases: releases()`) by what that function returns,
    /// transitively. The one way for rules to look through local bindings and
    /// constant helpers; anything else (a parameter, another call's result) is
    /// returned as is.
    pub fn value_of(&self, function: Option<FunctionId>, node: Node<'t>) -> Node<'t> {
        let mut node = node;
        let mut function = function;
        // A bounded number of steps: bindings move earlier, helpers could recurse.
        for _ in 0..8 {
            let bare = crate::syntax::unparenthesized(self.resolve_attribute(node));
            let next = match (crate::syntax::variable_name(bare, self.source), function) {
                (Some(name), Some(function)) => self.binding_before(function, name, bare),
                (Some(_), None) => None,
                (None, _) => self.constant_helper(bare).map(|(helper, value)| {
                    function = Some(helper);
                    value
                }),
            };
            match next {
                Some(value) => node = value,
                None => return bare,
            }
        }
        node
    }

    /// For `name()` calling a zero-argument function of the same module that
    /// has one clause: that function and its last expression.
    fn constant_helper(&self, node: Node<'t>) -> Option<(FunctionId, Node<'t>)> {
        let call = self.call_for_expression(node)?;
        if call.target.module.is_some() || call.target.dynamic || call.capture || call.arity != 0 {
            return None;
        }
        let mut clauses = self
            .functions_of(call.module?)
            .filter(|(_, f)| f.name == call.target.name && f.arity == 0);
        let (id, helper) = clauses.next()?;
        if clauses.next().is_some() {
            return None;
        }
        Some((id, crate::syntax::last_expression(helper.body?)))
    }

    /// The index of the parameter of `function` that binds `name`: the
    /// parameter itself (`nodes`) or one side of a match in the head
    /// (`[_ | _] = nodes`).
    pub fn parameter_index(&self, function: FunctionId, name: &str) -> Option<usize> {
        let binds = |node: Node<'_>| {
            crate::syntax::variable_name(crate::syntax::unparenthesized(node), self.source)
                == Some(name)
        };
        self.function(function).params.iter().position(|param| {
            binds(*param)
                || BinaryOp::cast(crate::syntax::unparenthesized(*param)).is_some_and(|op| {
                    op.operator_text(self.source) == "=" && (binds(op.left) || binds(op.right))
                })
        })
    }

    /// Calls of `function` (by name and arity) from its own module, other
    /// than from itself: where a local helper is used.
    pub fn local_callers<'m>(
        &'m self,
        function: FunctionId,
    ) -> impl Iterator<Item = &'m Call<'t>> + 'm {
        let callee = self.function(function);
        let module = callee.module;
        let module_name = module.map(|m| self.module(m).name.as_str());
        self.calls_named(&callee.name).filter(move |call| {
            let local =
                call.target.module.is_none() || call.target.module.as_deref() == module_name;
            local
                && !call.target.dynamic
                && !call.capture
                && call.arity == callee.arity
                && call.module == module
                && call.function != Some(function)
        })
    }

    /// The latest `name = value` before `at`, in `function`.
    pub fn last_binding_before(
        &self,
        function: FunctionId,
        name: &str,
        at: Node<'_>,
    ) -> Option<&Binding<'t>> {
        self.bindings_in(function)
            .filter(|b| b.name == name && b.node.end_byte() <= at.start_byte())
            .last()
    }

    /// The value most recently bound to `name` before `at`, in `function`.
    pub fn binding_before(
        &self,
        function: FunctionId,
        name: &str,
        at: Node<'_>,
    ) -> Option<Node<'t>> {
        self.last_binding_before(function, name, at)
            .map(|b| b.value)
    }

    /// Variable bindings in a function (`name = value`), in source order.
    pub fn bindings_in(&self, function: FunctionId) -> impl Iterator<Item = &Binding<'t>> {
        self.bindings_by_function
            .get(&function)
            .into_iter()
            .flatten()
            .map(|index| &self.bindings[*index])
    }

    /// The call record for a `call` node, if the walk recorded one.
    pub fn call_for_node(&self, node: Node<'_>) -> Option<&Call<'t>> {
        let id = self.calls_by_node.get(&node.id())?;
        Some(&self.calls[id.index()])
    }

    /// The call an expression evaluates to: a call, or the last call of a pipe
    /// (`"x" |> String.to_atom()`), whose record has the piped value as its first argument.
    pub fn call_for_expression(&self, node: Node<'_>) -> Option<&Call<'t>> {
        let node = unparenthesized(node);
        match BinaryOp::cast(node) {
            Some(op) if op.operator_text(self.source) == "|>" => self.call_for_node(op.right),
            _ => self.call_for_node(node),
        }
    }

    /// The call that receives `call`'s value as an argument: `outer(call(...))`
    /// or `call(...) |> outer()` (also when `call` is itself piped into).
    pub fn consumer_of(&self, call: &Call<'t>) -> Option<&Call<'t>> {
        let value = if call.piped {
            call.node.parent()?
        } else {
            call.node
        };
        let parent = value.parent()?;
        match BinaryOp::cast(parent) {
            Some(op) if op.operator_text(self.source) == "|>" && op.left.id() == value.id() => {
                self.call_for_node(op.right)
            }
            _ if parent.kind() == "arguments" => self.call_for_node(parent.parent()?),
            _ => None,
        }
    }

    /// The module an expression names, resolved at `node` as the walk resolves
    /// call targets (see [`resolve_module`]).
    pub fn module_reference(&self, node: Node<'_>) -> Option<String> {
        resolve_module(&self.modules, self.module_at(node), node, self.source)
    }

    /// The innermost function clause whose `def` contains `node`.
    pub fn function_at(&self, node: Node<'_>) -> Option<FunctionId> {
        self.functions
            .iter()
            .enumerate()
            .filter(|(_, f)| contains(f.node, node))
            .max_by_key(|(_, f)| f.node.start_byte())
            .map(|(i, _)| FunctionId(i as u32))
    }

    /// Modules named as values (see [`FileModel::module_name_values`]), each
    /// resolved as call targets are, in source order.
    pub fn module_refs(&self) -> impl Iterator<Item = (String, &Located<'t>)> + '_ {
        self.module_name_values
            .iter()
            .filter_map(|located| Some((self.module_reference(located.node)?, located)))
    }

    /// Does an atom `name` occur inside `function`?
    pub fn function_mentions_atom(&self, function: FunctionId, name: &str) -> bool {
        self.atoms_by_function
            .get(&function)
            .into_iter()
            .flatten()
            .any(|index| self.atoms[*index].name == name)
    }
}

/// What encloses the node being visited.
#[derive(Clone, Copy)]
enum Scope {
    Module(ModuleId),
    Function(FunctionId),
    Attribute(AttributeId),
}

struct Frame {
    node_id: usize,
    scope: Scope,
}

struct Builder<'t> {
    model: FileModel<'t>,
    frames: Vec<Frame>,
    /// The nodes from the root down to the one being visited.
    path: Vec<Node<'t>>,
    /// The call node that is a definition head or an attribute's operand, not a call.
    skip_call: Option<usize>,
}

impl<'t> Builder<'t> {
    fn walk(&mut self, root: Node<'t>) {
        // Iterative, so deeply nested code cannot overflow the stack.
        let mut cursor = root.walk();
        loop {
            let node = cursor.node();
            self.enter(node);
            self.path.push(node);
            if cursor.goto_first_child() {
                continue;
            }
            loop {
                if let Some(done) = self.path.pop() {
                    self.leave(done);
                }
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
            }
        }
    }

    /// The parent of the node being entered (`Node::parent` walks down from
    /// the root each time; the walk already knows).
    fn parent(&self) -> Option<Node<'t>> {
        self.path.last().copied()
    }

    fn grandparent(&self) -> Option<Node<'t>> {
        self.path.len().checked_sub(2).map(|i| self.path[i])
    }

    fn leave(&mut self, node: Node<'t>) {
        while self.frames.last().is_some_and(|f| f.node_id == node.id()) {
            self.frames.pop();
        }
    }

    fn current_module(&self) -> Option<ModuleId> {
        self.frames.iter().rev().find_map(|f| match f.scope {
            Scope::Module(id) => Some(id),
            _ => None,
        })
    }

    fn current_function(&self) -> Option<FunctionId> {
        self.frames.iter().rev().find_map(|f| match f.scope {
            Scope::Function(id) => Some(id),
            Scope::Module(_) | Scope::Attribute(_) => None,
        })
    }

    fn current_attribute(&self) -> Option<AttributeId> {
        self.frames.iter().rev().find_map(|f| match f.scope {
            Scope::Attribute(id) => Some(id),
            _ => None,
        })
    }

    fn push(&mut self, node: Node<'t>, scope: Scope) {
        self.frames.push(Frame {
            node_id: node.id(),
            scope,
        });
    }

    fn enter(&mut self, node: Node<'t>) {
        if node.is_error() || node.is_missing() {
            self.model.syntax_errors.push(node);
        }
        if !node.is_named() {
            return; // Punctuation and keywords: most of the tree, nothing to record.
        }
        let kinds = syntax::kinds();
        let kind = node.kind_id();
        let function = self.current_function();
        if kind == kinds.call {
            self.enter_call(node);
        } else if kind == kinds.unary_operator {
            self.enter_unary(node);
        } else if kind == kinds.binary_operator {
            if let Some(op) = BinaryOp::cast(node) {
                if op.operator_text(self.model.source) == "=" {
                    if let Some(name) = syntax::variable_name(op.left, self.model.source) {
                        self.model.bindings.push(Binding {
                            name: name.to_string(),
                            value: op.right,
                            node,
                            function,
                        });
                    }
                }
                self.model.operators.push(Operator { op, function });
            }
        } else if kind == kinds.atom || kind == kinds.quoted_atom {
            if let Some(name) = atom_name(node, self.model.source) {
                self.model.atoms.push(AtomUse {
                    name: name.to_string(),
                    node,
                    function,
                });
            }
        } else if kind == kinds.string || kind == kinds.charlist || kind == kinds.sigil {
            self.model.strings.push(Located { node, function });
        } else if kind == kinds.access_call {
            self.model.access_calls.push(Located { node, function });
        } else if kind == kinds.pair {
            self.model.keyword_pairs.push(Located { node, function });
        } else if kind == kinds.alias {
            if self.is_module_name_value() {
                self.model
                    .module_name_values
                    .push(Located { node, function });
            }
        } else if kind == kinds.comment {
            self.model.comments.push(node);
        }
    }

    /// Is the `alias` node being entered a module named as a value? Not the
    /// receiver of a call or part of a dotted name (its parent is a `dot`), not
    /// an argument or option (`as: Short`) of `defmodule`, `alias`, `import`,
    /// `require` or `use`.
    fn is_module_name_value(&self) -> bool {
        let kinds = syntax::kinds();
        let mut ancestors = self.path.iter().rev();
        let Some(parent) = ancestors.next() else {
            return true;
        };
        if parent.kind_id() == kinds.dot {
            return false;
        }
        // Up through `key: value` options to the arguments, if any.
        let mut node = *parent;
        while node.kind_id() == kinds.pair || node.kind() == "keywords" {
            match ancestors.next() {
                Some(up) => node = *up,
                None => return true,
            }
        }
        if node.kind_id() != kinds.arguments {
            return true;
        }
        let declaration = ancestors
            .next()
            .copied()
            .and_then(CallNode::cast)
            .and_then(|call| {
                call.local_name(self.model.source)
                    .filter(|name| DECLARATIONS.contains(name))
            });
        declaration.is_none()
    }

    fn enter_unary(&mut self, node: Node<'t>) {
        let source = self.model.source;
        if attribute_reference(node, source).is_some() {
            let function = self.current_function();
            self.model.attribute_refs.push(Located { node, function });
            return;
        }
        let Some((name, value)) = attribute_definition(node, source) else {
            return;
        };
        if let Some(operand) = node.child_by_field_name("operand") {
            self.skip_call = Some(operand.id());
        }
        let id = AttributeId(self.model.attributes.len() as u32);
        self.model.attributes.push(Attribute {
            name: name.to_string(),
            value,
            node,
            module: self.current_module(),
        });
        self.push(node, Scope::Attribute(id));
    }

    fn enter_call(&mut self, node: Node<'t>) {
        if self.skip_call == Some(node.id()) {
            self.skip_call = None;
            return;
        }
        let source = self.model.source;
        let call = CallNode { node };
        match call.local_name(source) {
            Some("defmodule") => self.enter_defmodule(call),
            Some(def) if may_define_function(def) => self.enter_def(call, def),
            Some("alias") => self.enter_alias(call),
            Some("use") => self.enter_use(call),
            _ => {}
        }
        self.record_call(call);
    }

    fn enter_defmodule(&mut self, call: CallNode<'t>) {
        let Some(name_node) = call.arguments().first().copied() else {
            return;
        };
        let written = match name_node.kind() {
            "alias" => compact(text(name_node, self.model.source)),
            _ => return,
        };
        let parent = self.current_module();
        let name = match parent {
            Some(parent) => {
                // A nested `defmodule Inner` is `Outer.Inner`, and `Inner` becomes an alias in `Outer`.
                let full = format!("{}.{}", self.model.modules[parent.index()].name, written);
                let first = written.split('.').next().unwrap_or(&written).to_string();
                let target = format!("{}.{}", self.model.modules[parent.index()].name, first);
                let at = call.node.start_byte();
                self.model.modules[parent.index()].aliases.push(Alias {
                    short: first,
                    full: target,
                    at,
                });
                full
            }
            None => written,
        };
        let id = ModuleId(self.model.modules.len() as u32);
        self.model.modules.push(Module {
            name,
            node: call.node,
            name_node,
            parent,
            aliases: Vec::new(),
            uses: Vec::new(),
        });
        self.push(call.node, Scope::Module(id));
    }

    fn enter_def(&mut self, call: CallNode<'t>, def: &str) {
        let args = call.arguments();
        let Some(mut head) = args.first().copied() else {
            return;
        };
        let mut guard = None;
        if let Some(op) = BinaryOp::cast(head) {
            if op.operator_text(self.model.source) == "when" {
                head = op.left;
                guard = Some(op.right);
            }
        }
        let (name, params) = match head.kind() {
            "identifier" => (self.model.text(head).to_string(), Vec::new()),
            "call" => {
                let head_call = CallNode { node: head };
                let Some(name) = head_call.local_name(self.model.source) else {
                    return;
                };
                self.skip_call = Some(head.id());
                (name.to_string(), head_call.arguments())
            }
            _ => return,
        };
        let body = call.do_block().or_else(|| {
            args.get(1)
                .and_then(|kw| Keywords::cast(*kw))
                .and_then(|kw| kw.get("do", self.model.source))
        });
        // A library's `def…` macro counts only with a body (`defx name(a) do ... end`).
        if body.is_none() && !DEF_MACROS.contains(&def) {
            if self.skip_call == Some(head.id()) {
                self.skip_call = None;
            }
            return;
        }
        let id = FunctionId(self.model.functions.len() as u32);
        self.model.functions.push(Function {
            name,
            arity: params.len(),
            // `defp`, `defmacrop`, `defnp`...: private.
            public: !def.ends_with('p'),
            node: call.node,
            params,
            guard,
            body,
            module: self.current_module(),
        });
        self.push(call.node, Scope::Function(id));
    }

    fn enter_alias(&mut self, call: CallNode<'t>) {
        let Some(module) = self.current_module() else {
            return;
        };
        let args = call.arguments();
        let Some(first) = args.first().copied() else {
            return;
        };
        let explicit_as = args
            .get(1)
            .and_then(|kw| Keywords::cast(*kw))
            .and_then(|kw| kw.get("as", self.model.source))
            .filter(|n| n.kind() == "alias")
            .map(|n| compact(self.model.text(n)));
        let mut new_aliases = Vec::new();
        match first.kind() {
            // alias MyApp.{A, B.C}
            "dot" if first.child_by_field_name("right").map(|r| r.kind()) == Some("tuple") => {
                let (Some(left), Some(right)) = (
                    first.child_by_field_name("left"),
                    first.child_by_field_name("right"),
                ) else {
                    return;
                };
                let Some(prefix) = self.module_reference(left) else {
                    return;
                };
                for element in syntax::named_children(right) {
                    if element.kind() == "alias" {
                        let suffix = compact(self.model.text(element));
                        new_aliases.push(format!("{prefix}.{suffix}"));
                    }
                }
            }
            _ => {
                if let Some(full) = self.module_reference(first) {
                    new_aliases.push(full);
                }
            }
        }
        for full in new_aliases {
            let short = match &explicit_as {
                Some(short) => short.clone(),
                None => full.rsplit('.').next().unwrap_or(&full).to_string(),
            };
            let at = call.node.start_byte();
            self.model.modules[module.index()]
                .aliases
                .push(Alias { short, full, at });
        }
    }

    fn enter_use(&mut self, call: CallNode<'t>) {
        let Some(module) = self.current_module() else {
            return;
        };
        let args = call.arguments();
        let Some(used) = args.first().and_then(|n| self.module_reference(*n)) else {
            return;
        };
        self.model.modules[module.index()].uses.push(Use {
            module: used,
            node: call.node,
            options: args.get(1).copied(),
        });
    }

    fn module_reference(&self, node: Node<'t>) -> Option<String> {
        resolve_module(
            &self.model.modules,
            self.current_module(),
            node,
            self.model.source,
        )
    }

    fn record_call(&mut self, call: CallNode<'t>) {
        let source = self.model.source;
        let target = match call.target() {
            CallTargetNode::Local { name } => Target {
                module: None,
                name: text(name, source).to_string(),
                dynamic: false,
            },
            CallTargetNode::Remote { receiver, name } => {
                let module = self.module_reference(receiver);
                let dynamic = module.is_none();
                Target {
                    module: module.filter(|m| m != "Kernel"),
                    name: text(name, source).to_string(),
                    dynamic,
                }
            }
            CallTargetNode::Other => return,
        };
        let arguments_node = call.arguments_node();
        let mut args: Vec<Node<'t>> = arguments_node
            .map(|a| syntax::named_children(a).collect())
            .unwrap_or_default();
        let mut piped = false;
        let mut capture = false;
        let mut arity = args.len();
        if let Some(parent) = self.parent().and_then(BinaryOp::cast) {
            let op = parent.operator_text(source);
            if op == "|>" && parent.right.id() == call.node.id() {
                piped = true;
                args.insert(0, parent.left);
                arity += 1;
            } else if op == "/" && parent.left.id() == call.node.id() {
                let in_capture = self.grandparent().is_some_and(|p| {
                    p.kind() == "unary_operator"
                        && p.child_by_field_name("operator")
                            .is_some_and(|o| text(o, source) == "&")
                });
                if in_capture && arguments_node.is_none() {
                    if let Some(n) = integer_value(parent.right, source) {
                        capture = true;
                        arity = n.clamp(0, 255) as usize;
                    }
                }
            }
        }
        let id = CallId(self.model.calls.len() as u32);
        self.model
            .calls_by_name
            .entry(target.name.clone())
            .or_default()
            .push(id);
        self.model.calls_by_node.insert(call.node.id(), id);
        self.model.calls.push(Call {
            node: call.node,
            target,
            args,
            arity,
            piped,
            capture,
            module: self.current_module(),
            function: self.current_function(),
            attribute: self.current_attribute(),
        });
    }
}

/// Resolves an expression naming a module, seen from `scope` (the innermost
/// module around it): an alias expanded with the `alias`es of the enclosing
/// modules declared before `node` (`Gossip` after `alias Cluster.Strategy.Gossip`),
/// `Elixir.X` as `X`, `__MODULE__` and `__MODULE__.Sub`, or an atom (`:rpc`;
/// `:"Elixir.X"` as `X`). The walk and the rules' queries share it, so a name
/// means the same thing to both.
fn resolve_module(
    modules: &[Module<'_>],
    scope: Option<ModuleId>,
    node: Node<'_>,
    source: &str,
) -> Option<String> {
    let node = unparenthesized(node);
    match node.kind() {
        "alias" => {
            let written = compact(text(node, source));
            let (first, rest) = match written.split_once('.') {
                Some((first, rest)) => (first, Some(rest)),
                None => (written.as_str(), None),
            };
            if first == "Elixir" {
                return Some(rest.unwrap_or(&written).to_string());
            }
            let mut scope = scope;
            while let Some(id) = scope {
                let module = &modules[id.index()];
                let alias = module
                    .aliases
                    .iter()
                    .rev()
                    .find(|a| a.short == first && a.at < node.start_byte());
                if let Some(alias) = alias {
                    return Some(match rest {
                        Some(rest) => format!("{}.{rest}", alias.full),
                        None => alias.full.clone(),
                    });
                }
                scope = module.parent;
            }
            Some(written)
        }
        "identifier" if text(node, source) == "__MODULE__" => {
            scope.map(|m| modules[m.index()].name.clone())
        }
        "atom" | "quoted_atom" => {
            let name = atom_name(node, source)?;
            Some(match name.strip_prefix("Elixir.") {
                Some(elixir) => elixir.to_string(),
                None => format!(":{name}"),
            })
        }
        "dot" => {
            let left = node.child_by_field_name("left")?;
            let right = node.child_by_field_name("right")?;
            if right.kind() != "alias" {
                return None;
            }
            let prefix = resolve_module(modules, scope, left, source)?;
            Some(format!("{prefix}.{}", compact(text(right, source))))
        }
        _ => None,
    }
}

/// Alias text without whitespace (`MyApp . Cache` is rare but legal).
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ParsedFile;

    #[test]
    fn module_names_written_as_values_are_indexed() {
        let text = "defmodule App.Application do\n  use Supervisor\n  alias Horde.Registry, as: HR\n  import Bitwise\n  require Logger\n  def start(_, _) do\n    children = [{Phoenix.PubSub, name: App.PubSub}, {HR, keys: :unique}, __MODULE__.Sub]\n    Supervisor.start_link(children, strategy: :one_for_one, name: {:via, Registry, {App.Reg, 1}})\n    Logger.info(\"up\")\n  end\nend\n";
        let parsed = ParsedFile::parse(text);
        let model = FileModel::build(&parsed.tree, text);
        let refs: Vec<String> = model.module_refs().map(|(module, _)| module).collect();
        // Not App.Application (defmodule), Supervisor (use, receiver), Bitwise, Logger,
        // nor `Horde.Registry` and `HR` of the alias; `HR` in the child spec resolves through it.
        assert_eq!(
            refs,
            [
                "Phoenix.PubSub",
                "App.PubSub",
                "Horde.Registry",
                "Registry",
                "App.Reg"
            ]
        );
        let located = model.module_refs().next().unwrap().1;
        assert!(located.function.is_some(), "inside start/2");
    }

    #[test]
    fn the_walk_and_queries_resolve_module_names_alike() {
        let text = "defmodule App.Worker do\n  def a, do: Gossip.x()\n  alias Cluster.Strategy.Gossip\n  def b, do: Gossip.y()\n  def c, do: __MODULE__.Sub.z()\n  def d, do: :\"Elixir.Cluster\".w()\nend\n";
        let parsed = ParsedFile::parse(text);
        let model = FileModel::build(&parsed.tree, text);
        let targets: Vec<String> = model
            .calls
            .iter()
            .filter(|c| c.target.module.is_some())
            .map(|c| format!("{}.{}", c.target.module.as_deref().unwrap(), c.target.name))
            .collect();
        assert_eq!(
            targets,
            [
                "Gossip.x",
                "Cluster.Strategy.Gossip.y",
                "App.Worker.Sub.z",
                "Cluster.w"
            ]
        );
        // The same answers at query time, receiver by receiver.
        for call in model.calls.iter().filter(|c| c.target.module.is_some()) {
            let receiver = call
                .node
                .child_by_field_name("target")
                .and_then(|t| t.child_by_field_name("left"))
                .unwrap();
            assert_eq!(model.module_reference(receiver), call.target.module);
        }
    }

    #[test]
    fn library_def_macros_with_a_body_define_functions() {
        let text = "defmodule M do\n  defn score(x) do\n    x * 2\n  end\n  defnp helper(x), do: x\n  defmemo fib(n) when n > 1 do\n    n\n  end\n  defstruct [:a]\n  defdelegate run(x), to: Other\n  defguard is_small(x) when x < 10\n  defoverridable run: 1\n  defthing config(x)\nend\n";
        let parsed = ParsedFile::parse(text);
        let model = FileModel::build(&parsed.tree, text);
        let functions: Vec<(&str, usize, bool)> = model
            .functions
            .iter()
            .map(|f| (f.name.as_str(), f.arity, f.public))
            .collect();
        assert_eq!(
            functions,
            [("score", 1, true), ("helper", 1, false), ("fib", 1, true)]
        );
        // The head of a body-less `defthing` is an ordinary call.
        assert!(model.calls.iter().any(|c| c.target.name == "config"));
    }

    #[test]
    fn value_of_looks_through_bindings_and_attributes() {
        let text = "defmodule M do\n  @wait :infinity\n  def f(node, arg) do\n    t = @wait\n    timeout = (t)\n    name = {:global, M}\n    GenServer.call({M, node}, arg, timeout)\n    GenServer.start_link(M, arg, name: name)\n    GenServer.call(arg, :x, node)\n  end\nend\n";
        let parsed = ParsedFile::parse(text);
        let model = FileModel::build(&parsed.tree, text);
        let value = |call: &str, index: usize| {
            let call = model
                .calls
                .iter()
                .find(|c| model.text(c.node).starts_with(call))
                .unwrap();
            model
                .text(model.value_of(call.function, call.args[index]))
                .to_string()
        };
        assert_eq!(value("GenServer.call({M", 2), ":infinity");
        let start = model
            .calls
            .iter()
            .find(|c| c.target.name == "start_link")
            .unwrap();
        let name = start
            .keyword_options()
            .unwrap()
            .pair("name", text)
            .unwrap()
            .value;
        assert_eq!(
            model.text(model.value_of(start.function, name)),
            "{:global, M}"
        );
        // A parameter stays what it is.
        assert_eq!(value("GenServer.call(arg", 2), "node");
        // A constant helper of the same module.
        let text = "defmodule M.MixProject do\n  def project, do: [releases: releases()]\n  defp releases do\n    app = [cookie: cookie()]\n    [app: app]\n  end\n  defp cookie, do: \"secret\"\n  def f(x), do: g(x)\n  def g(x), do: x\nend\n";
        let parsed = ParsedFile::parse(text);
        let model = FileModel::build(&parsed.tree, text);
        let releases = model
            .calls
            .iter()
            .find(|c| c.target.name == "releases")
            .unwrap();
        let value = model.value_of(releases.function, releases.node);
        assert_eq!(model.text(value), "[app: app]");
        let cookie = model
            .calls
            .iter()
            .find(|c| c.target.name == "cookie")
            .unwrap();
        assert_eq!(
            model.text(model.value_of(cookie.function, cookie.node)),
            "\"secret\""
        );
        let g = model.calls.iter().find(|c| c.target.name == "g").unwrap();
        assert_eq!(
            model.text(model.value_of(g.function, g.node)),
            "g(x)",
            "not without arguments"
        );
    }
}
