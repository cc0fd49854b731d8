//! `Chart.yaml` and `Chart.lock` (and their apiVersion v1 forms,
//! `requirements.yaml` and `requirements.lock`), read as Helm reads the
//! fields helm-hooks needs.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ChartMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default, rename = "apiVersion")]
    pub api_version: String,
    /// `application` (the default) or `library` (not installable).
    #[serde(default, rename = "type")]
    pub chart_type: String,
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Dependency {
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub repository: String,
}

impl Dependency {
    /// Helm copies `file://` dependencies from disk; every other repository
    /// (`https://`, `oci://`, `@alias`, `alias:`) is fetched. An empty
    /// repository means the chart must already be in `charts/`.
    pub fn is_fetched(&self) -> bool {
        !self.repository.is_empty() && !self.repository.starts_with("file://")
    }

    /// `name version (repository)`, as an error names a dependency.
    pub fn label(&self) -> String {
        match self.version.is_empty() {
            true => format!("{} from {}", self.name, self.repository),
            false => format!("{} {} from {}", self.name, self.version, self.repository),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Lock {
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    #[serde(default)]
    pub digest: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{file} is not valid YAML: {message}")]
pub struct ChartFileError {
    pub file: String,
    pub message: String,
}

fn parse<T: for<'de> Deserialize<'de> + Default>(
    file: &str,
    bytes: &[u8],
) -> Result<T, ChartFileError> {
    let text = String::from_utf8_lossy(bytes);
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_saphyr::from_str(&text).map_err(|e| ChartFileError {
        file: file.to_string(),
        message: e.to_string().lines().next().unwrap_or_default().to_string(),
    })
}

impl ChartMeta {
    pub fn parse(bytes: &[u8]) -> Result<Self, ChartFileError> {
        parse("Chart.yaml", bytes)
    }

    /// Adds the dependencies of `requirements.yaml` (apiVersion v1's
    /// place for them; Helm's loader still reads it for v2 charts).
    pub fn with_requirements(mut self, requirements: Option<&[u8]>) -> Self {
        if let Some(bytes) = requirements
            && let Ok(req) = parse::<ChartMeta>("requirements.yaml", bytes)
        {
            self.dependencies.extend(req.dependencies);
        }
        self
    }
}

impl Lock {
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Self, ChartFileError> {
        parse(file, bytes)
    }

    /// The locked version of dependency `name`.
    pub fn version_of(&self, name: &str) -> Option<&str> {
        self.dependencies
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.version.as_str())
    }
}

/// Whether `file` (a name in `charts/`) is the archive Helm writes for
/// dependency `name` (`NAME-VERSION.tgz`): the exact version when known,
/// else any version (`redis` must not match `redis-ha-1.0.0.tgz`).
pub fn is_archive_of(file: &str, name: &str, version: Option<&str>) -> bool {
    let Some(rest) = file
        .strip_suffix(".tgz")
        .and_then(|f| f.strip_prefix(name))
        .and_then(|f| f.strip_prefix('-'))
    else {
        return false;
    };
    match version {
        Some(v) => {
            rest == v || rest.strip_prefix('v') == Some(v) || v.strip_prefix('v') == Some(rest)
        }
        None => rest.starts_with(|c: char| c.is_ascii_digit() || c == 'v'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dependencies_and_their_kind() {
        let meta = ChartMeta::parse(
            b"apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: db\n    version: 1.2.3\n    repository: https://charts.example\n    condition: db.enabled\n  - name: lib\n    repository: file://../lib\n  - name: vendored\n",
        )
        .unwrap();
        assert_eq!(meta.name, "app");
        let fetched: Vec<_> = meta
            .dependencies
            .iter()
            .map(Dependency::is_fetched)
            .collect();
        assert_eq!(fetched, [true, false, false]);
        assert_eq!(
            meta.dependencies[0].label(),
            "db 1.2.3 from https://charts.example"
        );
    }

    #[test]
    fn requirements_add_dependencies() {
        let req: &[u8] = b"dependencies:\n  - name: old\n    repository: '@stable'\n";
        let v1 = ChartMeta::parse(b"apiVersion: v1\nname: a\n").unwrap();
        let deps = v1.with_requirements(Some(req)).dependencies;
        assert_eq!(deps.len(), 1);
        assert!(deps[0].is_fetched());
    }

    #[test]
    fn bad_yaml_names_the_file() {
        let e = Lock::parse("Chart.lock", b"dependencies: [").unwrap_err();
        assert!(
            e.to_string().starts_with("Chart.lock is not valid YAML"),
            "{e}"
        );
    }

    #[test]
    fn archive_names_match_name_and_version() {
        assert!(is_archive_of("redis-1.2.3.tgz", "redis", Some("1.2.3")));
        assert!(!is_archive_of("redis-1.2.4.tgz", "redis", Some("1.2.3")));
        assert!(is_archive_of("redis-1.2.4.tgz", "redis", None));
        assert!(!is_archive_of("redis-ha-1.0.0.tgz", "redis", None));
        assert!(!is_archive_of("redis", "redis", None));
    }
}
