//! Code actions: the rule's quick fix, and suppressions for the line or file.

use std::collections::HashMap;

use distlint_analysis::rules::UNUSED_SUPPRESSION;
use distlint_analysis::suppress::Directive;
use distlint_analysis::{Diagnostic, SourceFile, TextEdit};
use tower_lsp_server::ls_types::{
    self as lsp, CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier, TextDocumentEdit,
    WorkspaceEdit,
};

use crate::diagnostics::to_lsp;
use crate::document::Document;
use crate::owner::Linted;
use crate::position::{range, ranges_touch, Encoding};

pub fn actions(
    doc: &Document,
    linted: &Linted,
    params: &CodeActionParams,
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    let wants_quickfix = params.context.only.as_ref().is_none_or(|only| {
        only.iter()
            .any(|k| k.as_str().starts_with(CodeActionKind::QUICKFIX.as_str()))
    });
    if !wants_quickfix {
        return Vec::new();
    }
    let source = &linted.parsed.source;
    let mut actions = Vec::new();
    let mut file_suppressions = Vec::new();
    for (index, diagnostic) in linted.lint.diagnostics.iter().enumerate() {
        let lsp_range = range(source, &diagnostic.range, encoding);
        if !ranges_touch(lsp_range, params.range) {
            continue;
        }
        let lsp_diagnostic = to_lsp(
            diagnostic,
            source,
            encoding,
            &linted.config,
            Some(linted.version),
            linted.baseline_of(index),
        );
        let action = |title: String, edits: &[TextEdit], preferred: bool| {
            CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_diagnostic.clone()]),
                edit: Some(workspace_edit(doc, linted, edits, encoding)),
                is_preferred: preferred.then_some(true),
                ..CodeAction::default()
            })
        };
        if let Some(fix) = &diagnostic.fix {
            actions.push(action(fix.title.clone(), &fix.edits, true));
        }
        if diagnostic.rule == UNUSED_SUPPRESSION {
            if let Some(edit) = remove_comment(source, diagnostic) {
                actions.push(action(
                    "Remove this suppression comment".to_string(),
                    &[edit],
                    true,
                ));
            }
            continue;
        }
        actions.push(action(
            format!("Suppress {} for this line", diagnostic.rule),
            &[suppress_line(source, diagnostic)],
            false,
        ));
        if !file_suppressions.contains(&diagnostic.rule) {
            file_suppressions.push(diagnostic.rule);
            actions.push(action(
                format!("Suppress {} in this file", diagnostic.rule),
                &[TextEdit::insert(
                    0,
                    format!("# distlint:disable-file {}\n", diagnostic.rule),
                )],
                false,
            ));
        }
    }
    actions
}

/// `# distlint:disable-next-line RULE` above the finding's line, indented like it.
fn suppress_line(source: &SourceFile, diagnostic: &Diagnostic) -> TextEdit {
    let line = source.line_of(diagnostic.range.start);
    let line_start = source.line_range(line).start;
    let indent = source.indentation_at(line_start);
    TextEdit::insert(
        line_start,
        format!("{indent}# distlint:disable-next-line {}\n", diagnostic.rule),
    )
}

/// Deletes an unused suppression comment that names one rule: the whole line
/// when the comment stands alone, else the comment and the spaces before it.
fn remove_comment(source: &SourceFile, diagnostic: &Diagnostic) -> Option<TextEdit> {
    let comment = &source.text()[diagnostic.range.clone()];
    if Directive::read(comment).is_some_and(|d| d.rules.len() > 1) {
        return None; // Other rules in the same comment may still be needed.
    }
    let line = source.line_of(diagnostic.range.start);
    let line_range = source.line_range(line);
    let before = &source.text()[line_range.start..diagnostic.range.start];
    if before.trim().is_empty() {
        let next_line_start = if line + 1 < source.line_count() {
            source.line_range(line + 1).start
        } else {
            line_range.end
        };
        Some(TextEdit::replace(line_range.start..next_line_start, ""))
    } else {
        let start = diagnostic.range.start - (before.len() - before.trim_end().len());
        Some(TextEdit::replace(start..diagnostic.range.end, ""))
    }
}

fn workspace_edit(
    doc: &Document,
    linted: &Linted,
    edits: &[TextEdit],
    encoding: Encoding,
) -> WorkspaceEdit {
    let source = &linted.parsed.source;
    let edits = edits
        .iter()
        .map(|edit| {
            OneOf::Left(lsp::TextEdit {
                range: range(source, &edit.range, encoding),
                new_text: edit.new_text.clone(),
            })
        })
        .collect();
    WorkspaceEdit {
        changes: None::<HashMap<_, _>>,
        document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: doc.uri.clone(),
                version: Some(linted.version),
            },
            edits,
        }])),
        change_annotations: None,
    }
}
