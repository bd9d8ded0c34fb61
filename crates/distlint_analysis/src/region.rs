//! First diagnostics for an edited version without parsing the whole file.
//!
//! tree-sitter-elixir reuses almost nothing of the old tree when it reparses:
//! its parser explores two readings at once nearly everywhere (newlines may
//! end an expression or continue it), and nodes built meanwhile are
//! "fragile", never reused. So an incremental reparse costs a full parse,
//! 45–60 ms on a 7,000-line module, on every keystroke.
//!
//! An edit inside one function clause needs far less. [`Carried`] holds the
//! last full lint's tree and diagnostics and moves both through each edit
//! (`Tree::edit`; a diagnostic an edit cuts into is dropped). When every edit
//! since lies inside one clause of a top-level module, [`Carried::lint`]
//! parses that clause together with what the rules read around it (the
//! module's head, `use`/`alias`/`import`/`require`, attributes, comments, its
//! `end`) through tree-sitter's included ranges, so that positions stay those
//! of the whole file, lints that, and puts its findings inside the clause in
//! place of the carried ones. An unbalanced clause (an open `(`, a `do`
//! without `end`) stays confined to the clause, and the other functions keep
//! their findings.
//!
//! The result is provisional: a rule that reads other functions of the module
//! (a local helper's value, the callers of a function) sees only this clause.
//! The editor publishes it at once and the full lint of the same version
//! replaces it when it is done.

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use tree_sitter::{InputEdit, Node, Tree};

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Fix, TextEdit};
use crate::lint::lint_parsed;
use crate::model::file::may_define_function;
use crate::model::ProjectModel;
use crate::parse::ParsedFile;
use crate::source::SourceFile;
use crate::syntax::{kinds, text, CallNode, NOT_VALUE_ATTRIBUTES};

/// Past this much text to parse (a huge clause, or a module with large
/// attributes), the full lint is as good: no provisional result.
const MAX_REGION_BYTES: usize = 128 * 1024;

/// A region parse that takes longer than this is given up on.
const REGION_PARSE_LIMIT: Duration = Duration::from_millis(50);

/// The last full lint of a document, carried through the edits made since.
#[derive(Clone)]
pub struct Carried {
    /// That lint's tree, edited to match the current text.
    tree: Tree,
    /// Its diagnostics, in the current text's offsets.
    diagnostics: Vec<Diagnostic>,
    /// What the edits since cover, in the current text's offsets.
    dirty: Option<Range<usize>>,
    /// That lint's parse had no syntax error.
    clean: bool,
}

impl Carried {
    pub fn new(tree: Tree, diagnostics: Vec<Diagnostic>) -> Carried {
        Carried {
            clean: !tree.root_node().has_error(),
            tree,
            diagnostics,
            dirty: None,
        }
    }

    /// Whether an edit was made since the full lint.
    pub fn is_edited(&self) -> bool {
        self.dirty.is_some()
    }

    /// Whether the full lint it carries parsed without a syntax error: then,
    /// while an edit inside one clause leaves the file unbalanced, its
    /// findings elsewhere are a better answer than a parse the unbalanced
    /// clause throws off (a half-typed string turns the rest of the file
    /// into strings).
    pub fn is_clean(&self) -> bool {
        self.clean
    }

    /// Moves the tree, the diagnostics and the edited range through `edit`.
    pub fn edit(&mut self, edit: &InputEdit) {
        self.tree.edit(edit);
        self.diagnostics
            .retain_mut(|d| move_diagnostic(d, edit).is_some());
        // The range edited before, moved through this edit (an end the edit
        // removed becomes the edit's end), joined with this edit's text.
        let move_offset = |offset: usize| match offset >= edit.old_end_byte {
            true => moved(offset, edit),
            false => offset.min(edit.start_byte),
        };
        let (start, end) = match self.dirty.take() {
            None => (edit.start_byte, edit.new_end_byte),
            Some(dirty) => (move_offset(dirty.start), move_offset(dirty.end)),
        };
        self.dirty = Some(start.min(edit.start_byte)..end.max(edit.new_end_byte));
    }

    /// The current version's diagnostics, when the edits since the full lint
    /// all lie inside one function clause of a top-level module: the
    /// clause's from a lint of the clause in its module, the others carried.
    /// `None` when the edits are elsewhere or the region does not parse
    /// cleanly around the clause (the full lint is needed).
    pub fn lint(
        &self,
        source: &SourceFile,
        relative: &Path,
        project: &ProjectModel,
        config: &Config,
    ) -> Option<Vec<Diagnostic>> {
        let dirty = self.dirty.clone()?;
        let text = source.text();
        if self.tree.root_node().end_byte() != text.len() {
            return None; // Not this text's tree.
        }
        let region = Region::around(&self.tree, text, dirty)?;
        let tree = region.parse(source)?;
        let parsed = ParsedFile {
            source: source.clone(),
            tree,
        };
        let lint = lint_parsed(&parsed, relative, project, config);
        let clause = region.clause;
        let inside = |range: &Range<usize>| clause.start <= range.start && range.end <= clause.end;
        let mut diagnostics: Vec<Diagnostic> = self
            .diagnostics
            .iter()
            .filter(|d| !inside(&d.range))
            .cloned()
            .chain(lint.diagnostics.into_iter().filter(|d| inside(&d.range)))
            .collect();
        diagnostics.sort_by(|a, b| {
            (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule))
        });
        Some(diagnostics)
    }
}

/// `offset` (at or after the edit's old end) in the edited text.
fn moved(offset: usize, edit: &InputEdit) -> usize {
    offset - edit.old_end_byte + edit.new_end_byte
}

/// A range moved through `edit`: unchanged before it, shifted after it,
/// stretched when it holds the edit whole; `None` when the edit cuts into it.
fn move_range(range: &Range<usize>, edit: &InputEdit) -> Option<Range<usize>> {
    if range.end <= edit.start_byte {
        Some(range.clone())
    } else if range.start >= edit.old_end_byte {
        Some(moved(range.start, edit)..moved(range.end, edit))
    } else if range.start < edit.start_byte && edit.old_end_byte < range.end {
        Some(range.start..moved(range.end, edit))
    } else {
        None
    }
}

fn move_diagnostic(diagnostic: &mut Diagnostic, edit: &InputEdit) -> Option<()> {
    diagnostic.range = move_range(&diagnostic.range, edit)?;
    if let Some(fix) = &diagnostic.fix {
        // A fix whose text the edit touched no longer fits: the finding stays, without it.
        let edits: Option<Vec<TextEdit>> = fix
            .edits
            .iter()
            .map(|e| {
                let range = move_range(&e.range, edit)?;
                (range.len() == e.range.len()).then(|| TextEdit::replace(range, e.new_text.clone()))
            })
            .collect();
        diagnostic.fix = edits.map(|edits| Fix {
            title: fix.title.clone(),
            edits,
        });
    }
    Some(())
}

/// The text to parse for an edited clause: sorted, disjoint byte ranges.
struct Region {
    clause: Range<usize>,
    /// Up to and with the clause: comments above the module, its head, the
    /// statements read before the clause, the clause.
    through_clause: Vec<Range<usize>>,
    /// The statements read after the clause, and the module's `end`.
    after_clause: Vec<Range<usize>>,
}

impl Region {
    /// The region of the function clause that holds `dirty` strictly inside
    /// it, a direct statement of a top-level `defmodule`.
    fn around(tree: &Tree, text: &str, dirty: Range<usize>) -> Option<Region> {
        // Down from the root by offset (`Node::parent` walks down from the
        // root each time, through every statement of a long module body).
        let root = tree.root_node();
        let mut cursor = root.walk();
        cursor.goto_first_child_for_byte(dirty.start)?;
        let module = CallNode::cast(cursor.node())?;
        let body = module.do_block()?;
        let mut cursor = body.walk();
        cursor.goto_first_child_for_byte(dirty.start)?;
        let clause = cursor.node();
        let defines = CallNode::cast(clause)
            .and_then(|call| call.local_name(text))
            .is_some_and(may_define_function);
        let strictly_inside = clause.start_byte() < dirty.start && dirty.end < clause.end_byte();
        if module.local_name(text) != Some("defmodule") || !defines || !strictly_inside {
            return None;
        }
        // Each piece with the newline that ends it: Elixir reads a newline
        // between statements, and the ranges are parsed as one text.
        let with_newline = |range: Range<usize>| {
            let end = range.end + usize::from(text.as_bytes().get(range.end) == Some(&b'\n'));
            range.start..end
        };
        let mut ranges = Vec::new();
        // Comments above the module (a `disable-file`, say).
        let mut cursor = root.walk();
        for child in root.children(&mut cursor) {
            if child.kind_id() == kinds().comment
                && child.end_byte() <= module.node.start_byte()
                && is_read_around(child, text)
            {
                ranges.push(with_newline(child.byte_range()));
            }
        }
        let head_end = body.child(0)?.end_byte(); // `do`
        ranges.push(with_newline(module.node.start_byte()..head_end));
        let mut after = Vec::new();
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            if statement == clause {
                ranges.push(with_newline(clause.byte_range()));
            } else if is_read_around(statement, text) {
                let range = with_newline(statement.byte_range());
                match statement.start_byte() < clause.start_byte() {
                    true => ranges.push(range),
                    false => after.push(range),
                }
            }
        }
        let end = body.child(body.child_count().checked_sub(1)?)?;
        if text.get(end.byte_range()) != Some("end") {
            return None;
        }
        after.push(end.byte_range());
        let all = || ranges.iter().chain(&after);
        let bytes: usize = all().map(Range::len).sum();
        let sorted = all().zip(all().skip(1)).all(|(a, b)| a.end <= b.start);
        (bytes <= MAX_REGION_BYTES && sorted).then(|| Region {
            clause: clause.byte_range(),
            through_clause: ranges,
            after_clause: after,
        })
    }

    /// The region's tree, when it parses without errors outside the clause.
    /// A clause left unbalanced takes what follows it: a `do` without `end`
    /// takes the module's `end` (then the region ends with the clause); an
    /// open string turns the module into one error from its `do` (then the
    /// clause is parsed alone, without its module around it).
    fn parse(&self, source: &SourceFile) -> Option<Tree> {
        let whole = self.through_clause.iter().chain(&self.after_clause);
        self.parse_ranges(source, whole)
            .or_else(|| self.parse_ranges(source, self.through_clause.iter()))
            .or_else(|| self.parse_ranges(source, self.through_clause.last().into_iter()))
    }

    fn parse_ranges<'r>(
        &self,
        source: &SourceFile,
        ranges: impl Iterator<Item = &'r Range<usize>>,
    ) -> Option<Tree> {
        let ranges: Vec<tree_sitter::Range> = ranges
            .map(|r| tree_sitter::Range {
                start_byte: r.start,
                end_byte: r.end,
                start_point: point(source, r.start),
                end_point: point(source, r.end),
            })
            .collect();
        let tree = ParsedFile::parse_ranges(source.text(), &ranges, REGION_PARSE_LIMIT)?;
        // With the newline after the clause: where a missing `end` goes.
        let clause = self.clause.start..self.clause.end + 1;
        errors_only_within(tree.root_node(), &clause).then_some(tree)
    }
}

/// Statements of a module body that rules read around a function: all but
/// function definitions, documentation or type attributes, and comments other
/// than distlint's own.
fn is_read_around(statement: Node<'_>, source: &str) -> bool {
    if statement.kind_id() == kinds().comment {
        return text(statement, source).contains("distlint");
    }
    if let Some(name) = CallNode::cast(statement).and_then(|c| c.local_name(source)) {
        return !may_define_function(name);
    }
    match crate::syntax::attribute_definition(statement, source) {
        Some((name, _)) => !NOT_VALUE_ATTRIBUTES.contains(&name),
        None => !text(statement, source).starts_with('@'),
    }
}

/// Whether every syntax error under `node` lies within `range` (a loop, not
/// recursion: the nesting outside the clause is the file's to choose).
fn errors_only_within(node: Node<'_>, range: &Range<usize>) -> bool {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if !node.has_error() || (range.start <= node.start_byte() && node.end_byte() <= range.end) {
            continue;
        }
        if node.is_error() || node.is_missing() {
            return false;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    true
}

fn point(source: &SourceFile, offset: usize) -> tree_sitter::Point {
    let at = source.line_col(offset, crate::source::ColumnUnit::Utf8);
    tree_sitter::Point::new(at.line as usize, at.col as usize)
}
