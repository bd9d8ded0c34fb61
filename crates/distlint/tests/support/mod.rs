//! What the binary's integration tests share: where the test projects are,
//! running `distlint` as a user would, writing files into a temporary tree.
// Each test file uses its own part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// `tests/projects/` at the repository root.
pub fn projects() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/projects")
}

/// `tests/fixtures/` at the repository root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// The binary, run in `cwd` without the caller's `NO_COLOR`.
pub fn distlint(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("distlint").unwrap();
    cmd.current_dir(cwd).env_remove("NO_COLOR");
    cmd
}

/// What a run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `distlint ARGS` in `cwd`.
pub fn run(cwd: &Path, args: &[&str]) -> Run {
    let output = distlint(cwd).args(args).output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Writes `text` at `dir/rel`, creating the directories.
pub fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Makes a named pipe at `path` (reading it waits for a writer forever).
pub fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}
