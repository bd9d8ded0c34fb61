//! Hover: a finding's explanation, or a short note on a distribution primitive.

use distlint_analysis::docs::{rule_section, subsection};
use distlint_analysis::model::{Call, FileModel};
use distlint_analysis::rules;
use distlint_analysis::rules::registration::{classify, Registration};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use crate::diagnostics::url;
use crate::document::Document;
use crate::owner::Linted;
use crate::position::{offset, range, Encoding};

pub fn hover(
    doc: &Document,
    linted: Option<&Linted>,
    position: Position,
    encoding: Encoding,
) -> Option<Hover> {
    // Not parsed yet (or over its budget): nothing to say until it is.
    let parsed = doc.parsed.as_ref()?;
    let source = &parsed.source;
    let at = offset(source, position, encoding);
    if let Some(linted) = linted {
        let findings: Vec<_> = linted
            .lint
            .diagnostics
            .iter()
            .filter(|d| d.range.start <= at && at <= d.range.end)
            .collect();
        if let Some(first) = findings.first() {
            let text = findings
                .iter()
                .map(|d| finding_markdown(d.rule, &d.message, &url(d.rule, &linted.config)))
                .collect::<Vec<_>>()
                .join("\n\n---\n\n");
            return Some(markdown(text, Some(range(source, &first.range, encoding))));
        }
    }
    // Only the top-level form under the cursor: hover stays fast in big files.
    let root = parsed.tree.root_node();
    let mut cursor = root.walk();
    let form = root
        .children(&mut cursor)
        .find(|form| form.start_byte() <= at && at <= form.end_byte())?;
    let model = FileModel::build_from(form, source.text());
    let call = call_at(&model, at)?;
    let note = primitive_note(&model, call)?;
    Some(markdown(
        note.to_string(),
        Some(range(source, &call.node.byte_range(), encoding)),
    ))
}

fn markdown(value: String, range: Option<tower_lsp_server::ls_types::Range>) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range,
    }
}

/// Rule name, summary, why it matters, what to do, and the link.
pub fn finding_markdown(rule_name: &str, message: &str, link: &str) -> String {
    let mut out = format!("**distlint: `{rule_name}`**\n\n{message}");
    if let Some(rule) = rules::by_name(rule_name) {
        out = format!("**distlint: `{rule_name}`**: {}\n\n{message}", rule.summary);
        if let Some(section) = rule_section(rule) {
            for heading in ["Why it matters", "How to fix"] {
                if let Some(body) = subsection(section, heading) {
                    out.push_str(&format!("\n\n#### {heading}\n\n{body}"));
                }
            }
        }
    }
    out.push_str(&format!("\n\n[Reference: {rule_name}]({link})"));
    out
}

/// The innermost call whose name (the target, not the arguments) covers `at`.
fn call_at<'m, 't>(model: &'m FileModel<'t>, at: usize) -> Option<&'m Call<'t>> {
    model
        .calls
        .iter()
        .filter(|call| {
            call.node
                .child_by_field_name("target")
                .is_some_and(|target| target.start_byte() <= at && at <= target.end_byte())
        })
        .min_by_key(|call| call.node.byte_range().len())
}

/// Two or three lines on how a primitive behaves in a partition.
fn primitive_note(model: &FileModel<'_>, call: &Call<'_>) -> Option<&'static str> {
    let (module, name, _) = call.mfa();
    Some(match module {
        ":global" => "**`:global`**: a cluster-wide name registry. During a partition each side keeps \
                      its own registrations, so a name can be held twice; when the partition heals, \
                      the resolve function picks a winner (by default it kills the other process).",
        ":pg" => "**`:pg`**: process groups, eventually consistent. During a partition each side sees \
                  only the members it can reach; the views merge when it heals. There is no leader \
                  and no ordering between nodes.",
        ":rpc" | ":erpc" => "**Remote call**: runs on another node and waits for the answer. Without a \
                             timeout it waits forever on a hung or gray-failed node; `:erpc` raises on \
                             timeout or lost connection, `:rpc` returns `{:badrpc, reason}`.",
        "Node" => "**`Node`**: this node's view of the cluster. `Node.list/0` holds only the nodes it \
                   is connected to right now, so during a partition each side sees a different list.",
        ":mnesia" => "**`:mnesia`**: keeps serving on both sides of a partition; after it heals Mnesia \
                      only reports `{:inconsistent_database, ...}` and does not merge the copies.",
        m if m.starts_with("Horde") => {
            "**Horde**: a registry/supervisor replicated with delta CRDTs. During a partition each side \
             may run its own copy of a process; after healing duplicates are stopped, and the loser's \
             restart fails with `already_started`."
        }
        "GenServer" if matches!(name, "call" | "cast") && is_remote_target(model, call) => {
            if name == "call" {
                "**Remote `GenServer.call`**: the server is on another node (or found through a \
                 cluster registry). It exits with `:nodedown`/`:noproc` when unreachable and waits up \
                 to the timeout (5 s by default) when the node is slow but alive."
            } else {
                "**Remote `GenServer.cast`**: returns `:ok` whether or not the message arrives; \
                 during a partition casts to the other side are lost without a trace."
            }
        }
        _ => return None,
    })
}

/// `{:global, _}`, `{:via, _, _}` or `{name, node}` (on another node) as the server.
fn is_remote_target(model: &FileModel<'_>, call: &Call<'_>) -> bool {
    call.args.first().is_some_and(|server| {
        let registration = classify(model, *server);
        registration.may_be_remote() || registration == Registration::ViaOther
    })
}
