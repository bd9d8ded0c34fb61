//! Applying edits as an editor does, for the incremental tests and the
//! `incremental_edits` fuzz target (which includes this file by path).

use tree_sitter::Point;

/// The row and byte column of `offset` in `text`.
pub fn point(text: &str, offset: usize) -> Point {
    let before = &text.as_bytes()[..offset];
    let row = before.iter().filter(|b| **b == b'\n').count();
    let column = offset
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
    Point::new(row, column)
}

/// `at`, clamped to the text and moved back to a character boundary.
pub fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}
