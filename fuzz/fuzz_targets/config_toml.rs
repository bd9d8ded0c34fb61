//! (c) Arbitrary `.distlint.toml` text: an error with a location or a
//! configuration, never a panic; a configuration answers its questions.
#![no_main]

use std::path::Path;

use distlint_analysis::rules;
use distlint_analysis::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let file = Path::new("/project/.distlint.toml");
    match Config::parse(&text, file, Path::new("/project")) {
        Ok(config) => {
            for relative in ["lib/a.ex", "test/a_test.exs", "deps/x/lib/x.ex", "mix.exs"] {
                let relative = Path::new(relative);
                let _ = config.is_excluded(relative);
                let _ = config.reports_in(relative);
                let _ = config.unused_suppression_severity(relative);
                for rule in rules::ALL.iter() {
                    let _ = config.rule_severity(rule, relative);
                }
            }
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
