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

pub fn to_lsp(
    diagnostic: &Diagnostic,
    source: &SourceFile,
    encoding: Encoding,
    config: &Config,
    version: Option<i32>,
) -> lsp::Diagnostic {
    let href: Option<Uri> = url(diagnostic.rule, config).parse().ok();
    lsp::Diagnostic {
        range: range(source, &diagnostic.range, encoding),
        severity: Some(severity(diagnostic.severity)),
        code: Some(NumberOrString::String(diagnostic.rule.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message: diagnostic.message.clone(),
        related_information: None,
        tags: (diagnostic.rule == rules::UNUSED_SUPPRESSION)
            .then(|| vec![DiagnosticTag::UNNECESSARY]),
        // What code actions need to find the finding again without trusting the client's copy.
        data: Some(json!({
            "rule": diagnostic.rule,
            "version": version,
            "fixable": diagnostic.fix.is_some(),
        })),
    }
}
