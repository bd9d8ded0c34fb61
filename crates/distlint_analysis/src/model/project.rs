//! The ProjectModel: facts about a Mix project read as data, never executed.
//!
//! The project root is the directory of the nearest `mix.exs`; inside an
//! umbrella (`apps_path:` in an outer `mix.exs`) the umbrella root wins, so the
//! whole umbrella is one project. Dependencies come from every `mix.exs` in it.

use std::path::{Path, PathBuf};

use tree_sitter::Node;

use super::file::FileModel;
use crate::parse::ParsedFile;
use crate::syntax::{atom_name, list_elements, tuple_elements, Keywords};

/// A dependency named in a `deps` list of a mix.exs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    /// The mix.exs that declares it.
    pub declared_in: PathBuf,
}

#[derive(Clone, Debug, Default)]
pub struct ProjectModel {
    /// `None` when the checked files are not inside a Mix project.
    pub root: Option<PathBuf>,
    pub umbrella: bool,
    pub dependencies: Vec<Dependency>,
    /// Release names from `releases:` in the root mix.exs.
    pub releases: Vec<String>,
    /// `config/*.exs` files of the root (and of umbrella apps).
    pub config_files: Vec<PathBuf>,
}

impl ProjectModel {
    /// Reads the project that contains `path` (a file or directory).
    pub fn discover(path: &Path) -> ProjectModel {
        match find_project_root(path) {
            Some(root) => ProjectModel::load(&root),
            None => ProjectModel::default(),
        }
    }

    /// Reads the project rooted at `root` (which holds a `mix.exs`).
    pub fn load(root: &Path) -> ProjectModel {
        let mut model = ProjectModel {
            root: Some(root.to_path_buf()),
            ..ProjectModel::default()
        };
        let root_mix = root.join("mix.exs");
        let mut mix_files = vec![root_mix.clone()];
        if let Some(facts) = MixFacts::read(&root_mix) {
            model.releases = facts.releases;
            model.dependencies.extend(facts.dependencies);
            if let Some(apps_path) = facts.apps_path {
                model.umbrella = true;
                for app in sorted_dir(&root.join(apps_path)) {
                    let app_mix = app.join("mix.exs");
                    if let Some(app_facts) = MixFacts::read(&app_mix) {
                        model.dependencies.extend(app_facts.dependencies);
                        mix_files.push(app_mix);
                    }
                }
            }
        }
        for mix in &mix_files {
            if let Some(dir) = mix.parent() {
                model.config_files.extend(
                    sorted_dir(&dir.join("config"))
                        .into_iter()
                        .filter(|p| p.extension().is_some_and(|e| e == "exs")),
                );
            }
        }
        model
    }

    pub fn depends_on(&self, name: &str) -> bool {
        self.dependencies.iter().any(|d| d.name == name)
    }
}

/// The nearest directory at or above `path` with a `mix.exs`, or the umbrella
/// root above it.
pub fn find_project_root(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() { path } else { path.parent()? };
    let nearest = start
        .ancestors()
        .find(|dir| dir.join("mix.exs").is_file())?;
    // An umbrella app lives at <umbrella>/apps/<app>; its root is two levels up.
    let umbrella = nearest
        .ancestors()
        .skip(1)
        .find(|dir| dir.join("mix.exs").is_file())
        .filter(|dir| {
            MixFacts::read(&dir.join("mix.exs"))
                .and_then(|facts| facts.apps_path)
                .is_some_and(|apps| nearest.starts_with(dir.join(apps)))
        });
    Some(umbrella.unwrap_or(nearest).to_path_buf())
}

fn sorted_dir(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

/// What one mix.exs says, read from its syntax tree.
#[derive(Debug, Default)]
struct MixFacts {
    dependencies: Vec<Dependency>,
    releases: Vec<String>,
    apps_path: Option<String>,
}

impl MixFacts {
    fn read(path: &Path) -> Option<MixFacts> {
        let text = std::fs::read_to_string(path).ok()?;
        let parsed = ParsedFile::parse(&text);
        let model = FileModel::build(&parsed.tree, parsed.source.text());
        let mut facts = MixFacts::default();
        for function in &model.functions {
            let Some(body) = function.body.map(crate::syntax::last_expression) else {
                continue;
            };
            match function.name.as_str() {
                "deps" => {
                    for element in list_elements(body).unwrap_or_default() {
                        if let Some(name) = dependency_name(element, model.source) {
                            facts.dependencies.push(Dependency {
                                name: name.to_string(),
                                declared_in: path.to_path_buf(),
                            });
                        }
                    }
                }
                "project" => {
                    let Some(keywords) = Keywords::cast(body) else {
                        continue;
                    };
                    if let Some(apps) = keywords.get("apps_path", model.source) {
                        facts.apps_path =
                            crate::syntax::string_literal(apps, model.source).map(str::to_string);
                    }
                    if let Some(releases) = keywords
                        .get("releases", model.source)
                        .and_then(Keywords::cast)
                    {
                        facts.releases = releases
                            .pairs()
                            .map(|p| p.key_name(model.source).to_string())
                            .collect();
                    }
                }
                _ => {}
            }
        }
        Some(facts)
    }
}

/// `{:libcluster, "~> 3.3"}` -> `libcluster`.
fn dependency_name<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    let elements = tuple_elements(node)?;
    atom_name(*elements.first()?, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn reads_deps_releases_and_umbrella_apps() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        write(
            &dir,
            "mix.exs",
            r#"defmodule Umb.MixProject do
  use Mix.Project
  def project do
    [apps_path: "apps", releases: [umb: [applications: [a: :permanent]]], deps: deps()]
  end
  defp deps, do: [{:credo, "~> 1.7", only: :dev}]
end"#,
        );
        write(
            &dir,
            "apps/a/mix.exs",
            r#"defmodule A.MixProject do
  use Mix.Project
  def project, do: [app: :a, deps: deps()]
  defp deps do
    [
      {:libcluster, "~> 3.3"},
      {:horde, github: "derekkraan/horde"}
    ]
  end
end"#,
        );
        write(&dir, "config/runtime.exs", "import Config\n");
        write(&dir, "apps/a/lib/a.ex", "defmodule A do\nend\n");

        let root = find_project_root(&dir.join("apps/a/lib/a.ex")).unwrap();
        assert_eq!(root, dir);
        let project = ProjectModel::load(&root);
        assert!(project.umbrella);
        let names: Vec<&str> = project
            .dependencies
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(names, ["credo", "libcluster", "horde"]);
        assert_eq!(project.releases, ["umb"]);
        assert_eq!(project.config_files, [dir.join("config/runtime.exs")]);
        assert!(project.depends_on("horde") && !project.depends_on("swarm"));
    }

    #[test]
    fn no_mix_exs_means_no_project() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        write(&dir, "a.ex", "x = 1\n");
        assert!(ProjectModel::discover(&dir.join("a.ex")).root.is_none());
    }
}
