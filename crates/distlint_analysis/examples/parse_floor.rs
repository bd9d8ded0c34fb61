//! The parse floor for `distlint check`: lists the given directories' files as
//! the check does (.gitignore and the default excludes honoured), reads every `.ex`/`.exs` file and parses
//! it with tree-sitter on all cores, nothing else. `scripts/bench` compares
//! `distlint check` with it.
//!
//!     cargo run --release -p distlint_analysis --example parse_floor -- DIR...

use std::path::PathBuf;

use distlint_analysis::parse::ParsedFile;
use distlint_analysis::{workspace, Config};
use rayon::prelude::*;

fn main() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in std::env::args_os().skip(1).map(PathBuf::from) {
        // The default configuration's excludes (deps/, _build/, ...), as the check.
        files.extend(workspace::files_under(&dir, &Config::default_at(&dir)));
    }
    let (count, bytes, nodes) = files
        .par_iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|text| {
            let parsed = ParsedFile::parse(&text);
            (
                1usize,
                text.len(),
                parsed.tree.root_node().descendant_count(),
            )
        })
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    println!("{count} files, {bytes} bytes, {nodes} nodes parsed");
}
