//! An open document: a rope for edits, the syntax tree edited alongside it,
//! and the analysed snapshot of the current version.

use std::path::PathBuf;
use std::sync::Arc;

use distlint_analysis::parse::ParsedFile;
use distlint_analysis::SourceFile;
use ropey::Rope;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};
use tree_sitter::{InputEdit, Point};

use crate::position::{rope_offset, Encoding};

pub struct Document {
    pub uri: Uri,
    /// `None` for documents that are not files (untitled buffers).
    pub path: Option<PathBuf>,
    pub version: i32,
    rope: Rope,
    /// The current version, parsed. Linting works on this snapshot.
    pub parsed: Arc<ParsedFile>,
}

impl Document {
    pub fn open(uri: Uri, version: i32, text: &str) -> Document {
        let path = uri.to_file_path().map(|p| p.into_owned());
        Document {
            uri,
            path,
            version,
            rope: Rope::from_str(text),
            parsed: Arc::new(ParsedFile::parse(text)),
        }
    }

    /// Applies a `didChange` batch in order: each range edit goes to the rope
    /// and to the tree (`Tree::edit`); then one incremental reparse.
    pub fn apply_changes(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) {
        let mut tree = self.parsed.tree.clone();
        let mut full_reparse = false;
        for change in changes {
            match change.range {
                None => {
                    self.rope = Rope::from_str(&change.text);
                    full_reparse = true;
                }
                Some(range) => {
                    let start = rope_offset(&self.rope, range.start, encoding);
                    let end = rope_offset(&self.rope, range.end, encoding).max(start);
                    let start_position = point(&self.rope, start);
                    let old_end_position = point(&self.rope, end);
                    let start_char = self.rope.byte_to_char(start);
                    let end_char = self.rope.byte_to_char(end);
                    self.rope.remove(start_char..end_char);
                    self.rope.insert(start_char, &change.text);
                    let new_end = start + change.text.len();
                    tree.edit(&InputEdit {
                        start_byte: start,
                        old_end_byte: end,
                        new_end_byte: new_end,
                        start_position,
                        old_end_position,
                        new_end_position: point(&self.rope, new_end),
                    });
                }
            }
        }
        let source = SourceFile::new(self.rope.to_string());
        let old_tree = (!full_reparse).then_some(&tree);
        self.parsed = Arc::new(ParsedFile::reparse(source, old_tree));
        self.version = version;
    }

    pub fn text(&self) -> &str {
        self.parsed.source.text()
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
            doc.parsed.tree.root_node().to_sexp(),
            fresh.tree.root_node().to_sexp()
        );
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
        // A reversed range is treated as empty at its start.
        doc.apply_changes(
            4,
            vec![change(Some(((1, 2), (0, 0))), "?")],
            Encoding::Utf16,
        );
        assert_eq!(doc.text(), "ab\ncd?!");
    }

    #[test]
    fn points_count_only_newlines() {
        let rope = Rope::from_str("a\r\nb\rc");
        assert_eq!(point(&rope, 3), Point::new(1, 0));
        assert_eq!(point(&rope, 6), Point::new(1, 3));
    }
}
