//! Source text and positions.
//!
//! Everything inside the analysis works with byte offsets; conversion to the
//! line/column shapes users and protocols see happens here and only here.
//! Line breaks are `\n`, `\r\n` and `\r` (the three the LSP knows).

use std::ops::Range;

/// A byte range in a [`SourceFile`].
pub type TextRange = Range<usize>;

/// How columns are counted when a position leaves the analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    /// UTF-8 bytes (LSP `positionEncoding: utf-8`).
    Utf8,
    /// UTF-16 code units (the LSP default).
    Utf16,
    /// Unicode scalar values: what the CLI prints.
    Chars,
}

/// A 0-based line and column, the column counted in some [`ColumnUnit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// The text of one file with its line index.
#[derive(Clone, Debug)]
pub struct SourceFile {
    text: String,
    /// Byte offset where each line starts; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = compute_line_starts(&text);
        SourceFile { text, line_starts }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line holding `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte range of a 0-based line, without its line break.
    pub fn line_range(&self, line: usize) -> TextRange {
        let line = line.min(self.line_starts.len() - 1);
        let start = self.line_starts[line];
        let end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let content = &self.text[start..end];
        let trimmed = content.trim_end_matches(['\n', '\r']);
        start..start + trimmed.len()
    }

    /// The text of a 0-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        &self.text[self.line_range(line)]
    }

    /// Leading whitespace of the line holding `offset`.
    pub fn indentation_at(&self, offset: usize) -> &str {
        let line = self.line_text(self.line_of(offset));
        &line[..line.len() - line.trim_start().len()]
    }

    /// Converts a byte offset to a 0-based line/column (clamped, and moved back
    /// to a character boundary if it falls inside one).
    pub fn line_col(&self, offset: usize, unit: ColumnUnit) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let prefix = &self.text[self.line_starts[line]..offset];
        LineCol {
            line: line as u32,
            col: count_units(prefix, unit) as u32,
        }
    }

    /// Converts a 0-based line/column back to a byte offset. Out-of-range lines
    /// and columns are clamped to the end of the text or line, never a panic.
    pub fn offset(&self, pos: LineCol, unit: ColumnUnit) -> usize {
        let line = pos.line as usize;
        if line >= self.line_starts.len() {
            return self.text.len();
        }
        let range = self.line_range(line);
        let content = &self.text[range.clone()];
        let mut remaining = pos.col as usize;
        for (index, ch) in content.char_indices() {
            let width = match unit {
                ColumnUnit::Utf8 => ch.len_utf8(),
                ColumnUnit::Utf16 => ch.len_utf16(),
                ColumnUnit::Chars => 1,
            };
            if remaining < width {
                return range.start + index;
            }
            remaining -= width;
        }
        range.end
    }
}

fn count_units(text: &str, unit: ColumnUnit) -> usize {
    match unit {
        ColumnUnit::Utf8 => text.len(),
        ColumnUnit::Utf16 => text.chars().map(char::len_utf16).sum(),
        ColumnUnit::Chars => text.chars().count(),
    }
}

fn compute_line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => starts.push(i + 1),
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                starts.push(i + 2);
                i += 1;
            }
            b'\r' => starts.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_on_all_three_breaks() {
        let file = SourceFile::new("a\nb\r\nc\rd");
        assert_eq!(file.line_count(), 4);
        assert_eq!(file.line_text(1), "b");
        assert_eq!(file.line_text(2), "c");
        assert_eq!(file.line_text(3), "d");
    }

    #[test]
    fn columns_in_each_unit() {
        // "é" is 2 bytes, 1 UTF-16 unit; "😀" is 4 bytes, 2 UTF-16 units.
        let file = SourceFile::new("x\né😀:rpc");
        let offset = file.text().find(":rpc").unwrap();
        assert_eq!(file.line_col(offset, ColumnUnit::Utf8).col, 6);
        assert_eq!(file.line_col(offset, ColumnUnit::Utf16).col, 3);
        assert_eq!(file.line_col(offset, ColumnUnit::Chars).col, 2);
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Chars] {
            assert_eq!(file.offset(file.line_col(offset, unit), unit), offset);
        }
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let file = SourceFile::new("ab\ncd");
        assert_eq!(
            file.offset(LineCol { line: 9, col: 0 }, ColumnUnit::Utf16),
            5
        );
        assert_eq!(
            file.offset(LineCol { line: 0, col: 99 }, ColumnUnit::Utf16),
            2
        );
        assert_eq!(
            file.line_col(999, ColumnUnit::Chars),
            LineCol { line: 1, col: 2 }
        );
    }

    #[test]
    fn offsets_inside_a_character_move_back() {
        let file = SourceFile::new("😀");
        assert_eq!(file.line_col(2, ColumnUnit::Utf16).col, 0);
    }
}
