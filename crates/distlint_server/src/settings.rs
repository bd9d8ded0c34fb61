//! Editor-side settings: `initializationOptions`, `workspace/didChangeConfiguration`
//! and `workspace/configuration` (section `distlint`). They add to `.distlint.toml`.

use distlint_analysis::Config;
use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Replaces the config file's `select` when not empty.
    pub select: Vec<String>,
    /// Adds to the config file's `ignore`.
    pub ignore: Vec<String>,
    /// Where findings link to (overrides `docs-base-url`).
    pub docs_base_url: Option<String>,
}

impl Settings {
    /// Reads `{ "distlint": {...} }` or the inner object itself. Anything
    /// unreadable gives `Err` with a message for the log.
    pub fn from_value(value: &Value) -> Result<Settings, String> {
        let inner = value.get("distlint").unwrap_or(value);
        if inner.is_null() {
            return Ok(Settings::default());
        }
        Settings::deserialize(inner)
            .map_err(|err| format!("ignoring invalid distlint settings: {err}"))
    }

    /// The file configuration with these settings applied.
    pub fn apply(&self, mut config: Config) -> Result<Config, String> {
        config
            .override_with(&self.select, &self.ignore)
            .map_err(|err| format!("ignoring distlint settings: {err}"))?;
        if let Some(url) = &self.docs_base_url {
            config.docs_base_url = url.clone();
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_nested_or_flat_settings() {
        let nested =
            Settings::from_value(&json!({"distlint": {"ignore": ["wall-clock-duration"]}}))
                .unwrap();
        let flat = Settings::from_value(&json!({"ignore": ["wall-clock-duration"]})).unwrap();
        assert_eq!(nested, flat);
        assert_eq!(flat.ignore, ["wall-clock-duration"]);
        assert_eq!(
            Settings::from_value(&Value::Null).unwrap(),
            Settings::default()
        );
        assert!(Settings::from_value(&json!({"ignore": "not-a-list"})).is_err());
    }
}
