//! Charts whose dependencies come from a chart repository (served here on
//! loopback), with `Chart.lock` committed and `charts/` gitignored, and
//! archived subcharts committed in `charts/`.

use crate::common::*;
use std::path::Path;

/// The dependency chart `db` at `version`: a migration hook, and from
/// 2.0.0 a backup hook that only an upgrade renders.
fn db_chart(dir: &Path, version: &str) {
    let w = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "Chart.yaml",
        &format!("apiVersion: v2\nname: db\nversion: {version}\n"),
    );
    let weight = if version == "1.0.0" { "0" } else { "-5" };
    w(
        "templates/migrate.yaml",
        &hook(
            "Job",
            "db-migrate",
            "pre-install,pre-upgrade",
            Some(weight),
            None,
        ),
    );
    if version != "1.0.0" {
        w(
            "templates/backup.yaml",
            &format!(
                "{{{{- if .Release.IsUpgrade }}}}\n{}{{{{- end }}}}\n",
                hook("Job", "db-backup", "pre-upgrade", Some("-10"), None)
            ),
        );
    }
}

/// A chart repository with db 1.0.0 and 2.0.0, indexed by the real Helm.
fn chart_repository(env: &Env, helm: &HelmBin) -> (FileServer, tempfile::TempDir) {
    let root = tempfile::Builder::new()
        .prefix("hh-srv-")
        .tempdir()
        .unwrap();
    let server = FileServer::start(root.path());
    for version in ["1.0.0", "2.0.0"] {
        let src = root.path().join(format!("src-{version}"));
        db_chart(&src, version);
        let out = env
            .helm(helm)
            .args(["package"])
            .arg(&src)
            .arg("-d")
            .arg(root.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::remove_dir_all(&src).unwrap();
    }
    let out = env
        .helm(helm)
        .args(["repo", "index"])
        .arg(root.path())
        .args(["--url", &server.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (server, root)
}

fn app_chart(repo: &GitRepo, url: &str, db_version: &str) {
    repo.write(
        "app/Chart.yaml",
        &format!(
            "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: {db_version}\n    repository: {url}\n    condition: db.enabled\n"
        ),
    );
    repo.write("app/values.yaml", "db:\n  enabled: true\n");
    repo.write(
        "app/templates/app.yaml",
        &hook(
            "Job",
            "app-setup",
            "pre-install,pre-upgrade",
            Some("1"),
            None,
        ),
    );
}

fn calls(log: &Path, word: &str) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| *l == word)
        .count()
}

fn change_of<'a>(plan: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    plan["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no hook {name} in {}", plan["hooks"]))
}

#[test]
fn locked_remote_dependencies_render_at_every_revision_fetched_once() {
    for helm in helms() {
        let env = Env::new();
        let (server, _root) = chart_repository(&env, &helm);
        let url = server.url.clone();
        succeeded(
            env.helm(&helm)
                .args(["repo", "add", "deps", &server.url])
                .output()
                .unwrap(),
        );

        // Two commits that differ only in the locked dependency version;
        // charts/ is gitignored, as most charts keep it.
        let repo = GitRepo::new();
        repo.write(".gitignore", "charts/\n");
        app_chart(&repo, &server.url, "1.0.0");
        let dep_update = || {
            succeeded(
                env.helm(&helm)
                    .args(["dependency", "update"])
                    .arg(repo.path().join("app"))
                    .output()
                    .unwrap(),
            )
        };
        dep_update();
        let c1 = repo.commit("db 1.0.0");
        app_chart(&repo, &server.url, "2.0.0");
        dep_update();
        let c2 = repo.commit("db 2.0.0");
        assert!(
            repo.git(&["ls-files"])
                .lines()
                .all(|f| !f.contains("charts/")),
            "charts/ is not committed"
        );
        assert!(repo.path().join("app/charts/db-2.0.0.tgz").is_file());

        let (counting, log) = env.counting_helm(&helm);
        let plan = |hh: &HelmBin| {
            env.hooks(hh)
                .current_dir(repo.path())
                .args(["plan", "app", "--from", &c1, "--to", &c2, "-o", "json"])
                .output()
                .unwrap()
        };
        let first = succeeded(plan(&counting));
        let doc = json(&first.stdout);
        assert_eq!(
            runs(&doc, "upgrade"),
            [
                ("pre-upgrade", "Job/db-backup"),
                ("pre-upgrade", "Job/db-migrate"),
                ("pre-upgrade", "Job/app-setup"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        // The backup Job is gated on IsUpgrade inside the archive only.
        assert_eq!(
            runs(&doc, "install"),
            [
                ("pre-install", "Job/db-migrate"),
                ("pre-install", "Job/app-setup"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert_eq!(change_of(&doc, "db-backup")["change"], "added");
        let migrate = change_of(&doc, "db-migrate");
        assert_eq!(migrate["change"], "changed", "{migrate}");
        assert_eq!(migrate["fields"][0]["field"], "weight", "{migrate}");
        assert_eq!(change_of(&doc, "app-setup")["change"], "unchanged");
        let step = &doc["operations"][0]["steps"][0];
        assert_eq!(step["subchart"], "db", "{step}");
        // c1 is fetched; c2's archive is the one in the working tree.
        assert_eq!(calls(&log, "dependency"), 1, "helm dependency build runs");

        // Offline: the repository is gone, the renders are not cached, and
        // both revisions still plan, from the dependency cache.
        drop(server);
        std::fs::remove_dir_all(env.path("cache/hooks/render2")).unwrap();
        let second = succeeded(plan(&counting));
        assert_eq!(json(&second.stdout), doc);
        assert_eq!(calls(&log, "dependency"), 1, "nothing fetched offline");
        assert!(calls(&log, "template") >= 4, "the renders ran again");

        // Without the working tree's archive, c2 must be fetched, and the
        // repository does not answer: one line naming what and the fix.
        std::fs::remove_dir_all(repo.path().join("app/charts")).unwrap();
        std::fs::remove_dir_all(env.path("cache/hooks/render2")).unwrap();
        let out = plan(&helm);
        let e = one_line_error(&out);
        assert!(
            e.contains("missing dependencies")
                && e.contains(&format!("db 2.0.0 from {url}"))
                && e.contains("connection refused")
                && e.contains("check the network")
                && e.contains("helm dependency build"),
            "{e}"
        );
    }
}

#[test]
fn a_committed_archive_gated_on_is_upgrade_gets_its_own_upgrade_render() {
    for helm in helms() {
        let env = Env::new();
        let repo = GitRepo::new();
        let src = env.path("db-src");
        db_chart(&src, "2.0.0");
        repo.write(
            "app/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 2.0.0\n",
        );
        std::fs::create_dir_all(repo.path().join("app/charts")).unwrap();
        succeeded(
            env.helm(&helm)
                .arg("package")
                .arg(&src)
                .arg("-d")
                .arg(repo.path().join("app/charts"))
                .output()
                .unwrap(),
        );
        repo.commit("archived subchart");
        let out = succeeded(
            env.hooks(&helm)
                .current_dir(repo.path())
                .args([
                    "plan", "app", "--from", "HEAD", "--to", "HEAD", "-o", "json",
                ])
                .output()
                .unwrap(),
        );
        let doc = json(&out.stdout);
        let upgrade = runs(&doc, "upgrade");
        assert!(
            upgrade.contains(&("pre-upgrade".to_string(), "Job/db-backup".to_string())),
            "{upgrade:?}"
        );
        let install = runs(&doc, "install");
        assert!(
            !install.iter().any(|(_, h)| h == "Job/db-backup"),
            "{install:?}"
        );
    }
}

#[test]
fn oci_dependencies_are_fetched_with_the_users_flags_and_cached() {
    for helm in helms() {
        let env = Env::new();
        let registry = Registry::start();
        let repo_url = format!("oci://{}/charts", registry.host);
        let build = env.path("build");
        for version in ["1.0.0", "2.0.0"] {
            let src = env.path(&format!("db-{version}"));
            db_chart(&src, version);
            succeeded(
                env.helm(&helm)
                    .arg("package")
                    .arg(&src)
                    .arg("-d")
                    .arg(&build)
                    .output()
                    .unwrap(),
            );
            succeeded(
                env.helm(&helm)
                    .arg("push")
                    .arg(build.join(format!("db-{version}.tgz")))
                    .args([&repo_url, "--plain-http"])
                    .output()
                    .unwrap(),
            );
        }
        let repo = GitRepo::new();
        repo.write(".gitignore", "charts/\n");
        let commit_with = |version: &str| {
            app_chart(&repo, &repo_url, version);
            succeeded(
                env.helm(&helm)
                    .args(["dependency", "update", "--plain-http"])
                    .arg(repo.path().join("app"))
                    .output()
                    .unwrap(),
            );
            repo.commit(&format!("db {version}"))
        };
        let c1 = commit_with("1.0.0");
        let c2 = commit_with("2.0.0");
        // Both revisions must come from the registry.
        std::fs::remove_dir_all(repo.path().join("app/charts")).unwrap();
        let plan = |flags: &[&str]| {
            env.hooks(&helm)
                .current_dir(repo.path())
                .args(["plan", "app", "--from", &c1, "--to", &c2, "-o", "json"])
                .args(flags)
                .output()
                .unwrap()
        };
        let doc = json(&succeeded(plan(&["--plain-http"])).stdout);
        assert_eq!(change_of(&doc, "db-backup")["change"], "added");
        assert_eq!(
            change_of(&doc, "db-migrate")["fields"][0]["field"],
            "weight"
        );

        // The registry is gone and nothing renders from the cache: the
        // dependency cache alone serves both revisions.
        drop(registry);
        std::fs::remove_dir_all(env.path("cache/hooks/render2")).unwrap();
        assert_eq!(json(&succeeded(plan(&["--plain-http"])).stdout), doc);
    }
}

/// `app` with an in-tree subchart `crds` (no `repository:`, committed
/// under `charts/crds`, as kube-prometheus-stack has it) and `db` from a
/// chart repository as a range, with no lock.
fn app_with_in_tree_subchart(repo: &GitRepo, url: &str) {
    repo.write(
        "app/Chart.yaml",
        &format!(
            "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: crds\n    version: 0.0.0\n  - name: db\n    version: \">=1.0.0 <2.0.0\"\n    repository: {url}\n"
        ),
    );
    repo.write(
        "app/charts/crds/Chart.yaml",
        "apiVersion: v2\nname: crds\nversion: 0.0.0\n",
    );
    repo.write(
        "app/charts/crds/templates/upgrade-crds.yaml",
        &hook("Job", "crds-upgrade", "pre-upgrade", Some("-20"), None),
    );
    repo.write(
        "app/templates/app.yaml",
        &hook("Job", "app-setup", "pre-upgrade", Some("1"), None),
    );
}

#[test]
fn an_in_tree_subchart_beside_a_ranged_remote_dependency_plans_without_a_lock() {
    for helm in helms() {
        let env = Env::new();
        let (server, _root) = chart_repository(&env, &helm);
        succeeded(
            env.helm(&helm)
                .args(["repo", "add", "deps", &server.url])
                .output()
                .unwrap(),
        );
        let repo = GitRepo::new();
        app_with_in_tree_subchart(&repo, &server.url);
        repo.commit("app with crds and db");
        assert!(!repo.path().join("app/Chart.lock").exists());
        let out = succeeded(
            env.hooks(&helm)
                .current_dir(repo.path())
                .args([
                    "plan",
                    "app",
                    "--from",
                    "HEAD",
                    "--to",
                    "HEAD",
                    "--operation",
                    "upgrade",
                    "-o",
                    "json",
                ])
                .output()
                .unwrap(),
        );
        let doc = json(&out.stdout);
        // The range picks db 1.0.0 (2.0.0 is outside it): its hook is at
        // weight 0, and it has no backup hook.
        assert_eq!(
            runs(&doc, "upgrade"),
            [
                ("pre-upgrade", "Job/crds-upgrade"),
                ("pre-upgrade", "Job/db-migrate"),
                ("pre-upgrade", "Job/app-setup"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string())),
            "helm {}",
            helm.major
        );
        let subcharts: Vec<&str> = doc["operations"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["type"] == "hook")
            .map(|s| s["subchart"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(subcharts, ["crds", "db", ""], "helm {}", helm.major);
    }
}

#[test]
fn a_dead_repository_the_chart_does_not_use_is_left_out_and_a_version_error_is_no_network_error() {
    for helm in helms() {
        let env = Env::new();
        let (server, _root) = chart_repository(&env, &helm);
        succeeded(
            env.helm(&helm)
                .args(["repo", "add", "deps", &server.url])
                .output()
                .unwrap(),
        );
        // A second configured repository that no longer answers.
        let repos = env.path("config/repositories.yaml");
        let mut text = std::fs::read_to_string(&repos).unwrap();
        text.push_str("- name: gone\n  url: http://127.0.0.1:9\n");
        std::fs::write(&repos, text).unwrap();

        let repo = GitRepo::new();
        app_with_in_tree_subchart(&repo, &server.url);
        repo.commit("app");
        // Helm itself fails on the dead repository the chart does not
        // use (it opens every configured repository's index).
        let copy = env.path("copy");
        let cp = std::process::Command::new("cp")
            .arg("-r")
            .arg(repo.path().join("app"))
            .arg(&copy)
            .status()
            .unwrap();
        assert!(cp.success());
        let out = env
            .helm(&helm)
            .args(["dependency", "build"])
            .arg(&copy)
            .output()
            .unwrap();
        let helm_text = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && helm_text.contains("gone-index.yaml"),
            "helm {}: {helm_text}",
            helm.major
        );
        // The build's own repository config holds only the chart's.
        let plan = || {
            env.hooks(&helm)
                .current_dir(repo.path())
                .args(["plan", "app", "--from", "HEAD", "--to", "HEAD"])
                .output()
                .unwrap()
        };
        let out = succeeded(plan());
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("gone"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        // No version satisfies the range: Helm's Error line says so, and
        // the fix is about the version, not the network.
        let chart = std::fs::read_to_string(repo.path().join("app/Chart.yaml")).unwrap();
        repo.write(
            "app/Chart.yaml",
            &chart.replace(">=1.0.0 <2.0.0", ">=3.0.0"),
        );
        repo.commit("db 3");
        let e = one_line_error(&plan());
        assert!(
            e.contains("can't get a valid version")
                && e.contains("fix version: in Chart.yaml")
                && !e.contains("network"),
            "helm {}: {e}",
            helm.major
        );
    }
}

/// `helm dependency update` of `app` without adding its repository (a
/// scratch config and cache, as Helm allows for update), then `charts/`
/// removed, so that planning must fetch.
fn lock_without_adding(env: &Env, helm: &HelmBin, repo: &GitRepo) {
    let setup = env.path("setup");
    succeeded(
        env.helm(helm)
            .env("HELM_REPOSITORY_CONFIG", setup.join("repositories.yaml"))
            .env("HELM_REPOSITORY_CACHE", setup.join("cache"))
            .args(["dependency", "update"])
            .arg(repo.path().join("app"))
            .output()
            .unwrap(),
    );
    std::fs::remove_dir_all(repo.path().join("app/charts")).unwrap();
}

#[test]
fn a_repository_never_added_is_fetched_with_and_without_a_lock_and_offline_from_the_cache() {
    for helm in helms() {
        let env = Env::new();
        let (server, _root) = chart_repository(&env, &helm);
        // The user's own repositories: one unrelated (and dead) entry,
        // not the chart's repository.
        let user_repos = env.path("user/repositories.yaml");
        std::fs::create_dir_all(user_repos.parent().unwrap()).unwrap();
        let user_text =
            "apiVersion: \"\"\nrepositories:\n- name: other\n  url: http://127.0.0.1:9\n";
        std::fs::write(&user_repos, user_text).unwrap();

        let repo = GitRepo::new();
        repo.write(".gitignore", "charts/\n");
        app_chart(&repo, &server.url, "2.0.0");
        lock_without_adding(&env, &helm, &repo);
        let locked = repo.commit("db 2.0.0, locked");
        assert!(repo.path().join("app/Chart.lock").is_file());
        let plan = |rev: &str| {
            env.hooks(&helm)
                .env("HELM_REPOSITORY_CONFIG", &user_repos)
                .current_dir(repo.path())
                .args(["plan", "app", "--from", rev, "--to", rev])
                .args(["--operation", "upgrade", "-o", "json"])
                .output()
                .unwrap()
        };
        let expect = |names: &[&str]| -> Vec<(String, String)> {
            names
                .iter()
                .map(|n| ("pre-upgrade".to_string(), format!("Job/{n}")))
                .collect()
        };
        let doc = json(&succeeded(plan(&locked)).stdout);
        assert_eq!(
            runs(&doc, "upgrade"),
            expect(&["db-backup", "db-migrate", "app-setup"]),
            "helm {}: the locked 2.0.0",
            helm.major
        );

        // No lock: the range is resolved from the same repository (1.0.0).
        repo.remove("app/Chart.lock");
        app_chart(&repo, &server.url, "\">=1.0.0 <2.0.0\"");
        let unlocked = repo.commit("db as a range, no lock");
        let doc_unlocked = json(&succeeded(plan(&unlocked)).stdout);
        assert_eq!(
            runs(&doc_unlocked, "upgrade"),
            expect(&["db-migrate", "app-setup"]),
            "helm {}: db 1.0.0 from the range",
            helm.major
        );

        // The user's Helm configuration and repository cache are untouched.
        assert_eq!(std::fs::read_to_string(&user_repos).unwrap(), user_text);
        // (Helm makes the folder itself, empty, on any run.)
        let mut cached = Vec::new();
        let cache = env.path("cache/repository");
        if cache.exists() {
            walk_files(&cache, &mut cached);
        }
        assert!(cached.is_empty(), "{cached:?}");
        assert!(!env.path("config/repositories.yaml").exists());

        // Offline: the locked revision plans from the dependency cache.
        drop(server);
        std::fs::remove_dir_all(env.path("cache/hooks/render2")).unwrap();
        assert_eq!(
            json(&succeeded(plan(&locked)).stdout),
            doc,
            "helm {}",
            helm.major
        );
    }
}
