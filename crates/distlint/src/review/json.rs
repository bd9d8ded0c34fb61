//! The review as one JSON object (schema in docs/review.md).

use std::io::{self, Write};
use std::path::Path;

use distlint_analysis::review::{Item, ProjectReview, Review};
use serde_json::{json, Value};

use super::shown;

/// Bumped when a field changes meaning or disappears.
const VERSION: u32 = 1;

pub fn write(out: &mut impl Write, review: &Review, cwd: &Path) -> io::Result<()> {
    let value = json!({
        "version": VERSION,
        "projects": review.projects.iter().map(|p| project(p, cwd)).collect::<Vec<_>>(),
        "test_projects": review.test_projects.iter().map(|p| shown(p, cwd)).collect::<Vec<_>>(),
        "problems": review.problems.iter().map(|p| json!({
            "path": shown(&p.path, cwd),
            "message": p.message,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

fn item(item: &Item, cwd: &Path) -> Value {
    json!({
        "category": item.category().id(),
        "primitive": item.primitive.id(),
        "title": item.primitive.title(),
        "what": item.what,
        "path": shown(&item.path, cwd),
        "lines": item.lines,
        "level": item.level,
        "origin": item.origin.id(),
    })
}

fn project(project: &ProjectReview, cwd: &Path) -> Value {
    let placement = &project.placement;
    let base = &project.docs_base_url;
    json!({
        "root": project.root.as_deref().map(|root| shown(root, cwd)),
        "umbrella": project.umbrella,
        "files": project.files,
        "level": {
            "level": placement.level,
            "name": placement.name(),
            "justified": placement.justified,
            "evidence": placement.evidence.iter().map(|i| item(&project.inventory[*i], cwd)).collect::<Vec<_>>(),
            "notes": placement.notes.iter().map(|n| json!({
                "supports": n.supports,
                "text": n.text,
            })).collect::<Vec<_>>(),
        },
        "inventory": project.inventory.iter().map(|i| item(i, cwd)).collect::<Vec<_>>(),
        "uses_in_tests": project.uses_in_tests,
        "partition_behaviour": project.behaviours.iter().map(|(primitive, b)| json!({
            "primitive": primitive.id(),
            "title": primitive.title(),
            "during": b.during,
            "after": b.after,
            "reference": b.reference.url(base),
        })).collect::<Vec<_>>(),
        "findings": project.findings.iter().map(|f| json!({
            "topic": f.topic.map(|t| t.name()),
            "rule": f.rule,
            "severity": f.severity.as_str(),
            "path": shown(&f.path, cwd),
            "line": f.line,
            "column": f.column,
            "message": f.message,
            "url": f.url,
        })).collect::<Vec<_>>(),
        "findings_not_reported_in_tests": project.findings_not_reported_in_tests,
        "checklist": project.checklist.iter().map(|c| json!({
            "id": c.id,
            "section": c.section,
            "question": c.question,
            "reference": c.reference.url(base),
        })).collect::<Vec<_>>(),
    })
}
