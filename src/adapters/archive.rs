//! Chart archives (`charts/*.tgz`), read in memory.

use crate::core::chart::ChartMeta;
use std::io::Read;

/// Every file of a gzipped tar archive, `(path, content)`; `None` when it
/// is not one. Helm archives hold one top directory, the chart's name.
pub fn files(bytes: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut out = Vec::new();
    for entry in archive.entries().ok()? {
        let mut entry = entry.ok()?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().ok()?.to_string_lossy().into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).ok()?;
        out.push((path, content));
    }
    Some(out)
}

/// The archived chart's own `Chart.yaml` (the top one, not a nested
/// subchart's).
pub fn chart_meta(bytes: &[u8]) -> Option<ChartMeta> {
    files(bytes)?
        .into_iter()
        .find(|(path, _)| path.matches('/').count() == 1 && path.ends_with("/Chart.yaml"))
        .and_then(|(_, content)| ChartMeta::parse(&content).ok())
}

/// Whether any file inside the archive (nested archives included) passes
/// `test`, given its path inside the archived chart (the top folder, the
/// chart's name, left out) and its content. An archive that cannot be read
/// counts as passing: the caller then does the safe, slower thing.
pub fn any_file(bytes: &[u8], test: &dyn Fn(&str, &[u8]) -> bool) -> bool {
    match files(bytes) {
        None => true,
        Some(files) => files.iter().any(|(path, content)| {
            let inner = path.split_once('/').map_or(path.as_str(), |(_, rest)| rest);
            test(inner, content) || (path.ends_with(".tgz") && any_file(content, test))
        }),
    }
}

#[cfg(test)]
pub(crate) fn build(files: &[(&str, &str)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, path, content.as_bytes())
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_top_chart_yaml() {
        let tgz = build(&[
            (
                "db/Chart.yaml",
                "apiVersion: v2\nname: db\nversion: 1.2.3\n",
            ),
            ("db/charts/sub/Chart.yaml", "name: sub\nversion: 9.9.9\n"),
        ]);
        let meta = chart_meta(&tgz).unwrap();
        assert_eq!((meta.name.as_str(), meta.version.as_str()), ("db", "1.2.3"));
    }

    #[test]
    fn looks_into_nested_archives() {
        let inner = build(&[("sub/templates/j.yaml", "{{ if .Release.IsUpgrade }}")]);
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let mut header = tar::Header::new_gnu();
        header.set_size(inner.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "db/charts/sub-1.0.0.tgz", inner.as_slice())
            .unwrap();
        let outer = tar.into_inner().unwrap().finish().unwrap();
        let has = |_: &str, c: &[u8]| c.windows(9).any(|w| w == b"IsUpgrade");
        assert!(any_file(&outer, &has));
        assert!(!any_file(&build(&[("db/values.yaml", "a: 1")]), &has));
        assert!(any_file(b"not an archive", &has));
        // Paths are the archived chart's own, its name left out.
        let at_templates = |p: &str, _: &[u8]| p == "templates/j.yaml";
        assert!(any_file(
            &build(&[("db/templates/j.yaml", "")]),
            &at_templates
        ));
        assert!(!any_file(&build(&[("db/README.md", "")]), &at_templates));
    }
}
