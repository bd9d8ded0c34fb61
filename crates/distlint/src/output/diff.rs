//! `--diff`: the quick fixes as a unified diff, `a/` and `b/` prefixes as
//! git writes them (`git apply` or `patch -p1` in the current directory
//! applies it).

use std::io::{self, Write};

use similar::TextDiff;

/// The diff of one file, `path` as shown to the user.
pub fn write(out: &mut impl Write, path: &str, old: &str, new: &str) -> io::Result<()> {
    let diff = TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    out.write_all(text.as_bytes())?;
    if !text.is_empty() && !text.ends_with('\n') {
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn unified_with_git_prefixes() {
        let mut out = Vec::new();
        super::write(&mut out, "lib/a.ex", "a\nb\nc\n", "a\nB\nc\n").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "--- a/lib/a.ex\n+++ b/lib/a.ex\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
    }
}
