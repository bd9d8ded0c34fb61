//! Every conversion between LSP positions and byte offsets goes through here.
//!
//! Two sources of truth, kept in step by the document: the rope (for applying
//! edits) and the analysed snapshot's `SourceFile` (for results). Both break
//! lines at `\n`, `\r\n` and `\r`, as the LSP does. Positions past the end of a
//! line or of the document are clamped, never a panic.

use distlint_analysis::{ColumnUnit, LineCol, SourceFile, TextRange};
use ropey::Rope;
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// The negotiated position encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion needed), else the UTF-16 default.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn unit(self) -> ColumnUnit {
        match self {
            Encoding::Utf8 => ColumnUnit::Utf8,
            Encoding::Utf16 => ColumnUnit::Utf16,
        }
    }
}

/// Byte offset of an LSP position in a rope (clamped).
pub fn rope_offset(rope: &Rope, position: Position, encoding: Encoding) -> usize {
    let line = position.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let line_start_char = rope.line_to_char(line);
    let slice = rope.line(line);
    // The line's content without its break.
    let mut content_chars = slice.len_chars();
    while content_chars > 0 && matches!(slice.char(content_chars - 1), '\n' | '\r') {
        content_chars -= 1;
    }
    let content = slice.slice(..content_chars);
    let char_in_line = match encoding {
        Encoding::Utf16 => {
            let units = (position.character as usize).min(content.len_utf16_cu());
            let mut index = content.utf16_cu_to_char(units);
            // A position inside a surrogate pair rounds down to the character start.
            if content.char_to_utf16_cu(index) > units {
                index -= 1;
            }
            index
        }
        Encoding::Utf8 => {
            let bytes = (position.character as usize).min(content.len_bytes());
            content.byte_to_char(bytes)
        }
    };
    rope.char_to_byte(line_start_char + char_in_line)
}

/// LSP position of a byte offset in an analysed snapshot.
pub fn position(source: &SourceFile, offset: usize, encoding: Encoding) -> Position {
    let LineCol { line, col } = source.line_col(offset, encoding.unit());
    Position::new(line, col)
}

pub fn range(source: &SourceFile, range: &TextRange, encoding: Encoding) -> Range {
    Range::new(
        position(source, range.start, encoding),
        position(source, range.end, encoding),
    )
}

/// Byte offset of an LSP position in an analysed snapshot (clamped).
pub fn offset(source: &SourceFile, position: Position, encoding: Encoding) -> usize {
    source.offset(
        LineCol {
            line: position.line,
            col: position.character,
        },
        encoding.unit(),
    )
}

/// Does the LSP range `outer` overlap or touch `inner`?
pub fn ranges_touch(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rope_and_source_agree_on_every_position() {
        let text = "a\r\nb😀c\rdé\nlast";
        let rope = Rope::from_str(text);
        let source = SourceFile::new(text);
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            for (offset, _) in text.char_indices() {
                if text[..offset].ends_with('\r') && text[offset..].starts_with('\n') {
                    continue; // Between \r and \n: no position names it.
                }
                let pos = position(&source, offset, encoding);
                assert_eq!(
                    rope_offset(&rope, pos, encoding),
                    offset,
                    "{encoding:?} {pos:?}"
                );
                assert_eq!(super::offset(&source, pos, encoding), offset);
            }
        }
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let rope = Rope::from_str("ab\ncd");
        assert_eq!(rope_offset(&rope, Position::new(0, 99), Encoding::Utf16), 2);
        assert_eq!(rope_offset(&rope, Position::new(7, 0), Encoding::Utf16), 5);
        // Inside the emoji's surrogate pair: the start of the emoji.
        let rope = Rope::from_str("😀x");
        assert_eq!(rope_offset(&rope, Position::new(0, 1), Encoding::Utf16), 0);
        assert_eq!(rope_offset(&rope, Position::new(0, 2), Encoding::Utf16), 4);
    }

    #[test]
    fn utf8_is_chosen_only_when_offered() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        let offered = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&offered)), Encoding::Utf8);
    }
}
