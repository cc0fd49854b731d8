//! The team's audit (issue 16): every run also recorded in a run object
//! (a Secret of type `helm-hooks.io/run.v1`) in the release's namespace,
//! read back by `history` and `plan` on any machine. Real Helm 3 and 4,
//! on the test cluster; "machines" are separate `HELM_DATA_HOME`s with
//! their own user and host.

use crate::apply::{Apply, job};
use crate::cluster::cluster;
use crate::common::*;
use flate2::read::GzDecoder;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams};
use serde_json::Value;
use std::io::Read;
use std::process::Output;
use std::time::Duration;

const SECRET_VALUE: &str = "hunter2-team-secret";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata: {a: b}\n";

/// v1: a migration that logs the database password (a Secret's value);
/// v2: a backup before upgrades; v3: a slow migration.
fn team_chart() -> (GitRepo, [String; 3]) {
    let repo = GitRepo::new();
    repo.write("Chart.yaml", &chart_yaml("app"));
    repo.write("values.yaml", &format!("password: {SECRET_VALUE}\n"));
    repo.write("templates/cm.yaml", CONFIGMAP);
    repo.write(
        "templates/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {{ .Values.password }}\n",
    );
    repo.write(
        "templates/migrate.yaml",
        &job(
            "migrate",
            "pre-install,pre-upgrade",
            0,
            0,
            "200ms",
            "connecting with {{ .Values.password }}",
        ),
    );
    let v1 = repo.commit("v1");
    repo.write(
        "templates/backup.yaml",
        &job("backup", "pre-upgrade", -5, 0, "200ms", "backed up"),
    );
    let v2 = repo.commit("v2");
    repo.write(
        "templates/migrate.yaml",
        &job(
            "migrate",
            "pre-install,pre-upgrade",
            0,
            0,
            "3s",
            "migrating slowly",
        ),
    );
    let v3 = repo.commit("v3");
    (repo, [v1, v2, v3])
}

/// Another machine on the same namespace: its own data home, user and host.
fn machine(of: &Apply) -> Apply {
    Apply {
        env: Env::new(),
        helm: of.helm.clone(),
        ns: of.ns.clone(),
    }
}

fn run_as(a: &Apply, who: (&str, &str), repo: &GitRepo, args: &[&str]) -> Output {
    a.hooks()
        .current_dir(repo.path())
        .env("HELM_HOOKS_USER", who.0)
        .env("HELM_HOOKS_HOST", who.1)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The release's run objects as the API server holds them: name, labels,
/// and the records decompressed.
fn run_objects(ns: &str, release: &str) -> Vec<(String, Value, String)> {
    let api: Api<Secret> = Api::namespaced(cluster().client(), ns);
    let lp = ListParams::default().labels(&format!("helm-hooks.io/release={release}"));
    let list = cluster().block_on(api.list(&lp)).unwrap();
    list.items
        .into_iter()
        .map(|s| {
            assert_eq!(s.type_.as_deref(), Some("helm-hooks.io/run.v1"));
            let gz = &s.data.as_ref().unwrap()["records"].0;
            let mut text = String::new();
            GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
            (
                s.metadata.name.clone().unwrap(),
                serde_json::to_value(s.metadata.labels.clone().unwrap()).unwrap(),
                text,
            )
        })
        .collect()
}

fn history_json(a: &Apply, args: &[&str]) -> Vec<Value> {
    let out = ok(
        a.hooks()
            .args(["history", "-o", "json"])
            .args(args)
            .output()
            .unwrap(),
        "history",
    );
    json(&out.stdout)["runs"].as_array().unwrap().clone()
}

fn field<'a>(runs: &'a [Value], key: &str) -> Vec<&'a Value> {
    runs.iter().map(|r| &r[key]).collect()
}

/// No run object holds the chart's Secret value, plain or base64.
fn assert_no_secret_in(objects: &[(String, Value, String)]) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(SECRET_VALUE);
    assert!(!objects.is_empty());
    for (name, _, text) in objects {
        assert!(text.contains("runStarted"), "{name}: {text}");
        assert!(
            !text.contains(SECRET_VALUE) && !text.contains(&b64),
            "{name} holds the secret: {text}"
        );
    }
}

#[test]
fn every_machines_runs_are_in_the_cluster_for_a_third_to_read() {
    for major in [3, 4] {
        let (repo, [v1, v2, v3]) = team_chart();
        let ann = Apply::new(major, "team");
        let bob = machine(&ann);
        let carol = machine(&ann);
        let (a, b) = (("ann", "machine-a"), ("bob", "machine-b"));
        let apply = ["apply", "web", "--yes", "--progress", "none", "--logs"];
        ok(
            run_as(&ann, a, &repo, &[&apply[..], &["--to", &v1]].concat()),
            "ann installs v1",
        );
        ok(run_as(&bob, b, &repo, &apply), "bob upgrades to v3");
        ok(
            run_as(&bob, b, &repo, &[&apply[..], &["--to", &v2]].concat()),
            "bob goes back to v2",
        );

        // Carol has no local log: all of it comes from the cluster.
        let runs = history_json(&carol, &["web", "--source", "cluster"]);
        assert_eq!(
            field(&runs, "recordedBy"),
            ["bob@machine-b", "bob@machine-b", "ann@machine-a"],
            "helm {major}"
        );
        assert_eq!(field(&runs, "status"), ["succeeded"; 3]);
        assert!(
            runs.iter()
                .all(|r| r["recordedIn"] == serde_json::json!(["cluster"]))
        );
        assert_eq!(runs[2]["start"]["operation"], "install");
        // Hook outcomes travel too.
        assert!(
            runs[0]["outcomes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["name"] == "backup" && o["phase"] == "Succeeded"),
            "{}",
            runs[0]
        );
        // Carol's plan compares from what bob applied last.
        let out = ok(
            carol
                .hooks()
                .current_dir(repo.path())
                .args(["plan", "--release", "web", "-o", "json"])
                .output()
                .unwrap(),
            "carol plans",
        );
        assert_eq!(
            json(&out.stdout)["from"]["commit"],
            v2.as_str(),
            "helm {major}"
        );
        // And expects the hooks' durations from the team's runs: ann's
        // install and bob's two upgrades each ran the migration.
        let doc = json(&out.stdout);
        let upgrade = doc["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["operation"] == "upgrade")
            .unwrap();
        let migrate = upgrade["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "migrate")
            .unwrap();
        assert_eq!(migrate["expected"]["runs"], 3, "{migrate}");

        // Ann's history merges her log and the cluster, saying where each is.
        let runs = history_json(&ann, &["web"]);
        assert_eq!(runs.len(), 3);
        assert_eq!(
            runs[2]["recordedIn"],
            serde_json::json!(["local", "cluster"])
        );
        assert_eq!(runs[0]["recordedIn"], serde_json::json!(["cluster"]));
        let table = ok(
            ann.hooks().args(["history", "web"]).output().unwrap(),
            "table",
        );
        let table = String::from_utf8_lossy(&table.stdout).into_owned();
        assert!(table.contains("WHERE") && table.contains("BY"), "{table}");
        assert!(
            table.contains("local+cluster") && table.contains("bob@machine-b"),
            "{table}"
        );

        // Ann's apply killed (-9) mid-hook: the cluster shows it interrupted.
        let before = ann.audit().len();
        let mut child = ann
            .hooks()
            .current_dir(repo.path())
            .env("HELM_HOOKS_USER", a.0)
            .env("HELM_HOOKS_HOST", a.1)
            .args(["apply", "web", "--yes", "--progress", "none", "--to", &v3])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !ann.audit()[before..]
            .iter()
            .any(|r| r["state"] == "running")
        {
            assert!(std::time::Instant::now() < deadline, "hook never ran");
            std::thread::sleep(Duration::from_millis(100));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let killed = ann
            .audit()
            .iter()
            .rev()
            .find(|r| r["type"] == "runStarted")
            .unwrap()["run"]
            .as_str()
            .unwrap()
            .to_string();
        let runs = history_json(&carol, &["--source", "cluster", "--run", &killed]);
        assert_eq!(runs[0]["status"], "interrupted", "{}", runs[0]);
        assert_eq!(runs[0]["recordedBy"], "ann@machine-a");
        let objects = run_objects(&ann.ns, "web");
        assert_eq!(objects.len(), 4);
        let status_of = |objects: &[(String, Value, String)], id: &str| {
            objects
                .iter()
                .find(|(_, l, _)| l["helm-hooks.io/run"] == id)
                .map(|(_, l, _)| l["helm-hooks.io/status"].clone())
        };
        assert_eq!(status_of(&objects, &killed), Some("running".into()));
        assert_no_secret_in(&objects);
        // Helm, left running, finishes before the next upgrade.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !ann
            .history("web")
            .iter()
            .any(|h| h["status"] == "deployed" && h["revision"] == 4)
        {
            assert!(std::time::Instant::now() < deadline, "helm never finished");
            std::thread::sleep(Duration::from_millis(200));
        }
        // Ann's next apply finds what Helm did meanwhile, and says so in
        // the killed run's object too.
        ok(run_as(&ann, a, &repo, &apply), "ann applies again");
        let objects = run_objects(&ann.ns, "web");
        assert_eq!(status_of(&objects, &killed), Some("interrupted".into()));
        let runs = history_json(&carol, &["--source", "cluster", "--run", &killed]);
        assert_eq!(runs[0]["resolved"]["releaseRevision"], 4, "{}", runs[0]);

        // A CI job keeps at most two: the oldest go.
        let ci_cmd = |a: &Apply| {
            let mut c = a.hooks();
            c.current_dir(repo.path())
                .env("GITHUB_RUN_ID", "4242")
                .env("GITHUB_SERVER_URL", "https://github.example")
                .env("GITHUB_REPOSITORY", "acme/shop");
            c
        };
        ok(
            ci_cmd(&bob)
                .args([&apply[..], &["--history-max", "2"]].concat())
                .output()
                .unwrap(),
            "ci",
        );
        let objects = run_objects(&ann.ns, "web");
        assert_eq!(objects.len(), 2, "helm {major}");
        assert_no_secret_in(&objects);
        let runs = history_json(&carol, &["web", "--source", "cluster"]);
        assert_eq!(runs.len(), 2);
        assert_eq!(
            runs[0]["recordedBy"],
            "https://github.example/acme/shop/actions/runs/4242"
        );
        let ids: Vec<&str> = runs.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(status_of(&objects, ids[0]), Some("succeeded".into()));
        // Bob's local log still has all three of his runs.
        assert_eq!(history_json(&bob, &["web", "--source", "local"]).len(), 3);

        // Uninstall keeps the run objects; --purge-history deletes them.
        ok(
            run_as(&bob, b, &repo, &["uninstall", "web", "--yes"]),
            "uninstall",
        );
        assert_eq!(run_objects(&ann.ns, "web").len(), 3);
        ok(run_as(&bob, b, &repo, &apply), "reinstall");
        ok(
            run_as(
                &bob,
                b,
                &repo,
                &["uninstall", "web", "--yes", "--purge-history"],
            ),
            "uninstall --purge-history",
        );
        assert_eq!(run_objects(&ann.ns, "web").len(), 0);
        let ops: Vec<String> = history_json(&bob, &["web", "--source", "local"])
            .iter()
            .map(|r| r["start"]["operation"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ops[..3], ["uninstall", "install", "uninstall"]);
    }
}

#[test]
fn a_user_rbac_keeps_from_secrets_gets_one_warning_exit_0_and_the_local_record() {
    let (repo, _) = team_chart();
    // No Secret in this chart: the user may not create one.
    repo.remove("templates/secret.yaml");
    repo.commit("no secret");
    for major in [3, 4] {
        let a = Apply::new(major, "rbac");
        cluster().restrict_to(
            &a.ns,
            &[
                "configmaps",
                "pods",
                "pods/log",
                "services",
                "events",
                "batch:jobs",
            ],
        );
        let (user, kubeconfig) = cluster().restricted_user();
        let restricted = |args: &[&str]| {
            a.hooks()
                .current_dir(repo.path())
                .env("KUBECONFIG", &kubeconfig)
                // Helm's releases in ConfigMaps: Secrets are forbidden.
                .env("HELM_DRIVER", "configmap")
                .args(args)
                .output()
                .unwrap()
        };
        let out = ok(
            restricted(&["apply", "web", "--yes", "--progress", "plain"]),
            "apply as the restricted user",
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        let warnings: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("not recorded in the cluster"))
            .collect();
        assert_eq!(warnings.len(), 1, "helm {major}: {stderr}");
        let w = warnings[0];
        assert!(w.starts_with("warning: "), "{w}");
        assert!(
            w.contains("create on secrets") && w.contains(&a.ns) && w.contains(user),
            "{w}"
        );
        assert!(w.contains("--no-cluster-record"), "{w}");
        // Helm did its work, and the local log has the whole run.
        let audit = a.audit();
        let ended: Vec<&Value> = audit.iter().filter(|r| r["type"] == "runEnded").collect();
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0]["helmExit"], 0);
        assert!(
            ended[0]["hooks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["name"] == "migrate" && h["phase"] == "Succeeded")
        );
        // History: the cluster refuses the listing, the local log answers.
        let out = ok(
            restricted(&["history", "web", "-o", "json"]),
            "history as the restricted user",
        );
        assert_eq!(json(&out.stdout)["runs"].as_array().unwrap().len(), 1);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("note: local runs only") && stderr.contains("forbidden"),
            "{stderr}"
        );
        // --no-cluster-record: not even a try.
        let out = ok(
            restricted(&[
                "apply",
                "web",
                "--yes",
                "--progress",
                "none",
                "--no-cluster-record",
            ]),
            "apply --no-cluster-record",
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("not recorded"), "{stderr}");
        assert_eq!(run_objects(&a.ns, "web").len(), 0);
    }
}

/// An apply's namespace not made yet: the same `Apply`, on a name no one
/// created (`-- --create-namespace` leaves that to Helm).
fn in_new_namespace(major: u32) -> Apply {
    let made = Apply::new(major, "newns");
    Apply {
        ns: format!("{}-fresh", made.ns),
        ..made
    }
}

#[test]
fn a_first_install_with_create_namespace_is_recorded_once_helm_made_the_namespace() {
    let (repo, [v1, _, _]) = team_chart();
    for major in [3, 4] {
        let ann = in_new_namespace(major);
        let out = ok(
            run_as(
                &ann,
                ("ann", "machine-a"),
                &repo,
                &[
                    "apply",
                    "web",
                    "--to",
                    &v1,
                    "--yes",
                    "--progress",
                    "plain",
                    "--",
                    "--create-namespace",
                ],
            ),
            "install into a new namespace",
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("not recorded"), "helm {major}: {stderr}");
        let objects = run_objects(&ann.ns, "web");
        assert_eq!(objects.len(), 1, "helm {major}");
        assert_eq!(objects[0].1["helm-hooks.io/status"], "succeeded");
        assert!(objects[0].2.contains("runEnded"), "{}", objects[0].2);
    }
}

/// The run object lost (or never written) and another machine's log
/// empty: the deployed revision's own description names the commit.
#[test]
fn plan_release_takes_the_deployed_commit_from_helms_description_when_no_log_knows_it() {
    let (repo, [v1, _, _]) = team_chart();
    for major in [3, 4] {
        let ann = in_new_namespace(major);
        let carol = machine(&ann);
        ok(
            run_as(
                &ann,
                ("ann", "machine-a"),
                &repo,
                &[
                    "apply",
                    "web",
                    "--to",
                    &v1,
                    "--yes",
                    "--progress",
                    "none",
                    "--",
                    "--create-namespace",
                ],
            ),
            "install into a new namespace",
        );
        let api: Api<Secret> = Api::namespaced(cluster().client(), &ann.ns);
        let lp = ListParams::default().labels("helm-hooks.io/release=web");
        cluster()
            .block_on(api.delete_collection(&Default::default(), &lp))
            .unwrap();
        assert!(run_objects(&ann.ns, "web").is_empty());
        let out = ok(
            carol
                .hooks()
                .current_dir(repo.path())
                .args(["plan", "--release", "web", "-o", "json"])
                .output()
                .unwrap(),
            "carol plans",
        );
        assert_eq!(
            json(&out.stdout)["from"]["commit"],
            v1.as_str(),
            "helm {major}"
        );
        // Planned as deployed -> about to run: the from side is Helm's
        // stored revision, named with the commit its description gives.
        assert_eq!(json(&out.stdout)["from"]["spec"], "revision 1");
    }
}
