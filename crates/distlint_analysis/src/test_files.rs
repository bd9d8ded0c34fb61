//! Files for unit tests that need a project on disk (test only).

use std::path::Path;

/// Writes `text` at `dir/rel`, creating the directories.
pub fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}
