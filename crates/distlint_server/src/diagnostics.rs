//! Analysis diagnostics as LSP diagnostics.

use distlint_analysis::docs::rule_url;
use distlint_analysis::rules;
use distlint_analysis::{Config, Diagnostic, Severity, SourceFile};
use serde_json::json;
use tower_lsp_server::ls_types::{
    self as lsp, CodeDescription, DiagnosticSeverity, DiagnosticTag, NumberOrString, Uri,
};

use crate::position::{range, Encoding};

pub const SOURCE: &str = "distlint";

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

pub fn url(diagnostic_rule: &str, config: &Config) -> String {
    rule_url(&config.docs_base_url, diagnostic_rule)
}

/// `baseline`: the name of the baseline file that records this finding, if
/// one does: it is then a hint (see [`crate::baseline`]).
pub fn to_lsp(
    diagnostic: &Diagnostic,
    source: &SourceFile,
    encoding: Encoding,
    config: &Config,
    version: Option<i32>,
    baseline: Option<&str>,
) -> lsp::Diagnostic {
    let href: Option<Uri> = url(diagnostic.rule, config).parse().ok();
    let (severity, message) = match baseline {
        Some(file) => (
            DiagnosticSeverity::HINT,
            format!(
                "{} (recorded in the baseline {file}: not reported by `distlint check`)",
                diagnostic.message
            ),
        ),
        None => (severity(diagnostic.severity), diagnostic.message.clone()),
    };
    lsp::Diagnostic {
        range: range(source, &diagnostic.range, encoding),
        severity: Some(severity),
        code: Some(NumberOrString::String(diagnostic.rule.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message,
        related_information: None,
        tags: (diagnostic.rule == rules::UNUSED_SUPPRESSION)
            .then(|| vec![DiagnosticTag::UNNECESSARY]),
        // What code actions need to find the finding again without trusting the client's copy.
        data: Some(json!({
            "rule": diagnostic.rule,
            "version": version,
            "fixable": diagnostic.fix.is_some(),
            "baselined": baseline.is_some(),
        })),
    }
}
