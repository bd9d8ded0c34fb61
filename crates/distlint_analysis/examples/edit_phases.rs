//! Where a keystroke's time goes: incremental reparse, then the cached lint,
//! typing one character at a time into a function body in the middle of a
//! file.
//!
//!     cargo run --release -p distlint_analysis --example edit_phases -- FILE [KEYSTROKES]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use distlint_analysis::config::Config;
use distlint_analysis::lint::{lint_parsed_cached, LintCache};
use distlint_analysis::model::ProjectModel;
use distlint_analysis::parse::ParsedFile;
use distlint_analysis::region::Carried;
use distlint_analysis::SourceFile;
use tree_sitter::{InputEdit, Point};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: edit_phases FILE [KEYSTROKES]");
    let keystrokes: usize = args.next().map_or(200, |n| n.parse().expect("a number"));
    let mut text = std::fs::read_to_string(&path).expect("readable file");
    let config = Arc::new(Config::default_at(Path::new("/project")));
    let project = Arc::new(ProjectModel::default());
    let relative = Path::new("lib/bench.ex");
    let mut cache = LintCache::default();

    let started = Instant::now();
    let mut parsed = ParsedFile::parse(&text);
    let parse_full = started.elapsed();
    let started = Instant::now();
    let exact = lint_parsed_cached(&parsed, relative, &project, &config, &mut cache);
    println!("open: parse {parse_full:?}, lint {:?}", started.elapsed());
    let started = Instant::now();
    let same = ParsedFile::reparse(SourceFile::new(&text), Some(&parsed.tree));
    println!("reparse without an edit: {:?}", started.elapsed());
    drop(same);

    // The line after a `def ... do` near the middle.
    let lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    let row = (middle..lines.len())
        .find(|&i| {
            let l = lines[i].trim_start();
            (l.starts_with("def ") || l.starts_with("defp ")) && l.trim_end().ends_with(" do")
        })
        .expect("a function in the second half")
        + 1;
    let mut offset: usize = lines[..row].iter().map(|l| l.len() + 1).sum();
    let prefix = "    x = ";
    let insert = |text: &mut String,
                  at: usize,
                  s: &str,
                  tree: &mut tree_sitter::Tree,
                  carried: &mut Carried| {
        text.insert_str(at, s);
        let point = |t: &str, at: usize| {
            let before = &t[..at];
            let row = before.matches('\n').count();
            let col = at - before.rfind('\n').map_or(0, |i| i + 1);
            Point::new(row, col)
        };
        let start = point(text, at);
        let end = point(text, at + s.len());
        let edit = InputEdit {
            start_byte: at,
            old_end_byte: at,
            new_end_byte: at + s.len(),
            start_position: start,
            old_end_position: start,
            new_end_position: end,
        };
        tree.edit(&edit);
        carried.edit(&edit);
    };
    let mut carried = Carried::new(parsed.tree.clone(), exact.diagnostics.clone());
    let mut tree = parsed.tree.clone();
    insert(&mut text, offset, prefix, &mut tree, &mut carried);
    parsed = ParsedFile::reparse(SourceFile::new(&text), Some(&tree));
    lint_parsed_cached(&parsed, relative, &project, &config, &mut cache);
    offset += prefix.len();

    let (mut reparse, mut lint, mut region) = (Vec::new(), Vec::new(), Vec::new());
    let mut differ = 0;
    for _ in 0..keystrokes {
        let mut tree = parsed.tree.clone();
        insert(&mut text, offset, "x", &mut tree, &mut carried);
        offset += 1;
        let started = Instant::now();
        let source = SourceFile::new(&text);
        let provisional = carried.lint(&source, relative, &project, &config);
        region.push(started.elapsed());
        let started = Instant::now();
        parsed = ParsedFile::reparse(SourceFile::new(&text), Some(&tree));
        reparse.push(started.elapsed());
        let started = Instant::now();
        let exact = lint_parsed_cached(&parsed, relative, &project, &config, &mut cache);
        lint.push(started.elapsed());
        let same = provisional.as_ref().is_some_and(|p| {
            p.len() == exact.diagnostics.len()
                && p.iter()
                    .zip(&exact.diagnostics)
                    .all(|(a, b)| a.rule == b.rule && a.range == b.range && a.message == b.message)
        });
        differ += usize::from(!same);
    }
    println!("provisional differs from the full lint (or is missing) after {differ} of {keystrokes} keystrokes");
    for (name, mut samples) in [
        ("reparse", reparse),
        ("lint", lint),
        ("region (provisional)", region),
    ] {
        samples.sort();
        let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
        let p = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        println!(
            "{name}: p50 {}  p90 {}  p99 {}  max {}",
            p(at(0.5)),
            p(at(0.9)),
            p(at(0.99)),
            p(at(1.0))
        );
    }
}
