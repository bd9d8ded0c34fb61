//! An open document: a rope for edits, the syntax tree edited alongside it,
//! and the parse of the current version once it is done.
//!
//! Parsing happens off the owner task (see `owner.rs`): a lint job takes a
//! [`Snapshot`] (the text and the last tree, edited to match), parses and
//! lints it on the blocking pool and hands the new tree back with
//! [`Document::parsed_snapshot`]; edits that arrived meanwhile are applied to
//! that tree too, so the next parse is still incremental.

use std::path::PathBuf;
use std::sync::Arc;

use distlint_analysis::parse::ParsedFile;
use distlint_analysis::region::Carried;
use distlint_analysis::SourceFile;
use ropey::Rope;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};
use tree_sitter::{InputEdit, Point, Tree};

use crate::position::{rope_offset, Encoding};

pub struct Document {
    pub uri: Uri,
    /// `None` for documents that are not files (untitled buffers).
    pub path: Option<PathBuf>,
    pub version: i32,
    rope: Rope,
    /// The current version, parsed; `None` until a lint job has parsed it.
    pub parsed: Option<Arc<ParsedFile>>,
    /// The last tree parsed, edited to match the rope (for incremental
    /// reparsing); `None` before the first parse or after a full replacement.
    tree: Option<Tree>,
    /// Edits since the last snapshot, to bring its tree up to date.
    edits_since_snapshot: Vec<InputEdit>,
    /// The whole text was replaced since the last snapshot.
    replaced_since_snapshot: bool,
    /// The last full lint's tree and findings, moved through every edit
    /// since (see `distlint_analysis::region`): what gives an edited
    /// version its first diagnostics. Set by the owner.
    pub carried: Option<Carried>,
}

/// What a parse needs: the text of one version and the tree to reuse.
pub struct Snapshot {
    pub source: SourceFile,
    pub old_tree: Option<Tree>,
}

impl Document {
    pub fn open(uri: Uri, version: i32, text: &str) -> Document {
        let path = uri.to_file_path().map(|p| p.into_owned());
        Document {
            uri,
            path,
            version,
            rope: Rope::from_str(text),
            parsed: None,
            tree: None,
            edits_since_snapshot: Vec::new(),
            replaced_since_snapshot: false,
            carried: None,
        }
    }

    /// The current text and the tree to reparse it from.
    pub fn snapshot(&mut self) -> Snapshot {
        self.edits_since_snapshot.clear();
        self.replaced_since_snapshot = false;
        Snapshot {
            source: SourceFile::new(self.rope.to_string()),
            old_tree: self.tree.clone(),
        }
    }

    /// The parse of the last snapshot is back: it becomes the tree to reuse
    /// (with the edits made since applied to it) and, when no edit came
    /// since, the parse of the current version.
    pub fn parsed_snapshot(&mut self, parsed: &Arc<ParsedFile>) {
        if self.replaced_since_snapshot {
            return;
        }
        let mut tree = parsed.tree.clone();
        for edit in &self.edits_since_snapshot {
            tree.edit(edit);
        }
        if self.edits_since_snapshot.is_empty() {
            self.parsed = Some(parsed.clone());
        }
        self.tree = Some(tree);
    }

    /// Applies a `didChange` batch in order: each range edit goes to the rope
    /// and to the tree (`Tree::edit`); then one incremental reparse. Returns
    /// how many ranges had their start after their end (applied as empty at
    /// their start: the editor's text may differ from this one now).
    pub fn apply_changes(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> usize {
        let mut reversed = 0;
        for change in changes {
            match change.range {
                None => {
                    self.rope = Rope::from_str(&change.text);
                    self.tree = None;
                    self.edits_since_snapshot.clear();
                    self.replaced_since_snapshot = true;
                    self.carried = None;
                }
                Some(range) => {
                    reversed += usize::from(range.start > range.end);
                    let start = rope_offset(&self.rope, range.start, encoding);
                    let end = rope_offset(&self.rope, range.end, encoding).max(start);
                    let start_position = point(&self.rope, start);
                    let old_end_position = point(&self.rope, end);
                    let start_char = self.rope.byte_to_char(start);
                    let end_char = self.rope.byte_to_char(end);
                    self.rope.remove(start_char..end_char);
                    self.rope.insert(start_char, &change.text);
                    let new_end = start + change.text.len();
                    let edit = InputEdit {
                        start_byte: start,
                        old_end_byte: end,
                        new_end_byte: new_end,
                        start_position,
                        old_end_position,
                        new_end_position: point(&self.rope, new_end),
                    };
                    if let Some(tree) = &mut self.tree {
                        tree.edit(&edit);
                    }
                    if let Some(carried) = &mut self.carried {
                        carried.edit(&edit);
                    }
                    self.edits_since_snapshot.push(edit);
                }
            }
        }
        self.parsed = None;
        self.version = version;
        reversed
    }

    /// The current text's length in bytes.
    pub fn len(&self) -> usize {
        self.rope.len_bytes()
    }

    /// The current text (copied out of the rope).
    pub fn text(&self) -> String {
        self.rope.to_string()
    }

    /// Parses the current version here (tests).
    #[cfg(test)]
    pub fn parse_now(&mut self) -> Arc<ParsedFile> {
        let Snapshot { source, old_tree } = self.snapshot();
        let parsed = Arc::new(ParsedFile::reparse(source, old_tree.as_ref()));
        self.parsed_snapshot(&parsed);
        parsed
    }
}

/// tree-sitter's point for a byte offset: rows count only `\n`, columns are bytes.
fn point(rope: &Rope, offset: usize) -> Point {
    let mut row = 0;
    let mut last_newline_end = 0;
    let mut consumed = 0;
    for chunk in rope.byte_slice(..offset).chunks() {
        for (index, byte) in chunk.bytes().enumerate() {
            if byte == b'\n' {
                row += 1;
                last_newline_end = consumed + index + 1;
            }
        }
        consumed += chunk.len();
    }
    Point::new(row, offset - last_newline_end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range
                .map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_edits_match_a_fresh_parse() {
        let uri: Uri = "file:///tmp/a.ex".parse().unwrap();
        let mut doc = Document::open(uri, 1, "defmodule A do\n  def f(n), do: n\nend\n");
        doc.parse_now();
        doc.apply_changes(
            2,
            vec![
                change(Some(((1, 16), (1, 17))), ":rpc.call(n, M, :f, [])"),
                change(Some(((0, 0), (0, 0))), "# 😀\n"),
                change(Some(((1, 10), (1, 11))), "B"),
            ],
            Encoding::Utf16,
        );
        let expected = "# 😀\ndefmodule B do\n  def f(n), do: :rpc.call(n, M, :f, [])\nend\n";
        assert_eq!(doc.text(), expected);
        assert_eq!(doc.version, 2);
        let fresh = ParsedFile::parse(expected);
        assert_eq!(
            doc.parse_now().tree.root_node().to_sexp(),
            fresh.tree.root_node().to_sexp()
        );
    }

    #[test]
    fn edits_made_while_a_snapshot_is_parsed_are_applied_to_its_tree() {
        let uri: Uri = "file:///tmp/a.ex".parse().unwrap();
        let mut doc = Document::open(uri, 1, "defmodule A do\n  def f(n), do: n\nend\n");
        doc.parse_now();
        doc.apply_changes(
            2,
            vec![change(Some(((1, 16), (1, 17))), "m")],
            Encoding::Utf16,
        );
        // A job takes the snapshot of version 2 and parses it elsewhere...
        let Snapshot { source, old_tree } = doc.snapshot();
        let parsed = Arc::new(ParsedFile::reparse(source, old_tree.as_ref()));
        // ...while version 3 arrives.
        doc.apply_changes(
            3,
            vec![change(Some(((0, 10), (0, 11))), "Bb")],
            Encoding::Utf16,
        );
        doc.parsed_snapshot(&parsed);
        assert!(doc.parsed.is_none(), "version 2's parse is not version 3's");
        let expected = "defmodule Bb do\n  def f(n), do: m\nend\n";
        assert_eq!(doc.text(), expected);
        assert_eq!(
            doc.parse_now().tree.root_node().to_sexp(),
            ParsedFile::parse(expected).tree.root_node().to_sexp()
        );
        assert!(doc.parsed.is_some());
        // A whole-text replacement meanwhile: the old tree is of no use.
        let Snapshot { source, old_tree } = doc.snapshot();
        let parsed = Arc::new(ParsedFile::reparse(source, old_tree.as_ref()));
        doc.apply_changes(4, vec![change(None, "x = 1\n")], Encoding::Utf16);
        doc.parsed_snapshot(&parsed);
        assert!(doc.parsed.is_none() && doc.tree.is_none());
    }

    #[test]
    fn full_replacement_and_out_of_range_edits() {
        let uri: Uri = "file:///tmp/a.ex".parse().unwrap();
        let mut doc = Document::open(uri, 1, "x");
        doc.apply_changes(2, vec![change(None, "ab\ncd")], Encoding::Utf8);
        assert_eq!(doc.text(), "ab\ncd");
        // A range past the end is clamped to the end.
        doc.apply_changes(
            3,
            vec![change(Some(((9, 9), (12, 0))), "!")],
            Encoding::Utf16,
        );
        assert_eq!(doc.text(), "ab\ncd!");
        // A reversed range is treated as empty at its start, and counted.
        let reversed = doc.apply_changes(
            4,
            vec![change(Some(((1, 2), (0, 0))), "?")],
            Encoding::Utf16,
        );
        assert_eq!(reversed, 1);
        assert_eq!(doc.text(), "ab\ncd?!");
    }

    #[test]
    fn points_count_only_newlines() {
        let rope = Rope::from_str("a\r\nb\rc");
        assert_eq!(point(&rope, 3), Point::new(1, 0));
        assert_eq!(point(&rope, 6), Point::new(1, 3));
    }
}
