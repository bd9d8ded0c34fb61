//! Parsing Elixir with tree-sitter-elixir.

use std::cell::RefCell;

use tree_sitter::{Parser, Tree};

use crate::source::SourceFile;

/// A source file and its syntax tree.
pub struct ParsedFile {
    pub source: SourceFile,
    pub tree: Tree,
}

thread_local! {
    // A parser per thread: creating one per file costs more than parsing a small file.
    static PARSER: RefCell<Parser> = RefCell::new(new_parser());
}

fn new_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_elixir::LANGUAGE.into())
        .expect("tree-sitter-elixir is built against a compatible tree-sitter ABI");
    parser
}

impl ParsedFile {
    pub fn parse(text: &str) -> ParsedFile {
        ParsedFile::from_source(SourceFile::new(text))
    }

    pub fn from_source(source: SourceFile) -> ParsedFile {
        ParsedFile::reparse(source, None)
    }

    /// Parses `source`, reusing `old_tree` (already `edit`ed to match) so only
    /// the changed region is parsed again: the editor's path.
    pub fn reparse(source: SourceFile, old_tree: Option<&Tree>) -> ParsedFile {
        let tree = PARSER
            .with(|parser| parser.borrow_mut().parse(source.text(), old_tree))
            // tree-sitter returns None only on cancellation or a missing language;
            // neither is set here, but a fresh parser is the honest fallback.
            .unwrap_or_else(|| {
                new_parser()
                    .parse(source.text(), None)
                    .expect("an uncancelled parse always yields a tree")
            });
        ParsedFile { source, tree }
    }
}
