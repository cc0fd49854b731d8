//! Real Helm against the test cluster (issue 2).
//!
//! Every Helm test runs with Helm 3.17.1 and Helm 4.1.4 (`<test>::helm3`,
//! `<test>::helm4`). They show that the cluster behaves like a real one for
//! hooks, and pin the Helm behaviour helm-hooks must reproduce.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ListParams, LogParams, PostParams};
use serde_json::Value;

use crate::cluster::{Helm, HelmVersion, TestCluster, cluster, repo_root};

/// Runs `$name(HelmVersion)` once per Helm version.
macro_rules! for_both_helms {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn helm3() {
                super::$name(super::HelmVersion::V3);
            }
            #[test]
            fn helm4() {
                super::$name(super::HelmVersion::V4);
            }
        }
    )*};
}

for_both_helms!(
    install_upgrade_test_uninstall,
    failing_pre_upgrade_hook,
    rollback_on_failure,
    hooks_tied_on_weight_and_name,
    kubectl_logs_follows_running_hook,
    an_unquoted_weight_fails_at_hook_creation,
);

const TIMEOUT: &str = "120s";

fn chart(name: &str) -> String {
    repo_root()
        .join("tests/fixtures/cluster")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn tag(v: HelmVersion) -> &'static str {
    match v {
        HelmVersion::V3 => "h3",
        HelmVersion::V4 => "h4",
    }
}

/// `helm status -o json`.
fn status(helm: &Helm, rel: &str, ns: &str) -> Value {
    helm.ok(["status", rel, "-n", ns, "-o", "json"]).json()
}

/// Hook name -> last run phase, from `helm status -o json`.
fn hook_phases(status: &Value) -> HashMap<String, String> {
    status["hooks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            (
                h["name"].as_str().unwrap_or("").to_owned(),
                h["last_run"]["phase"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// (revision, status, description) per revision, oldest first.
fn history(helm: &Helm, rel: &str, ns: &str) -> Vec<(i64, String, String)> {
    let h = helm.ok(["history", rel, "-n", ns, "-o", "json"]).json();
    h.as_array()
        .expect("history is a list")
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap_or(0),
                r["status"].as_str().unwrap_or("").to_owned(),
                r["description"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn config_version(c: &TestCluster, ns: &str, name: &str) -> String {
    let api: Api<ConfigMap> = Api::namespaced(c.client(), ns);
    let cm = c
        .block_on(api.get(name))
        .unwrap_or_else(|e| panic!("ConfigMap {name}: {e}"));
    cm.data.unwrap_or_default()["version"].clone()
}

/// Position of `item` in `list`, failing the test with the list if absent.
fn pos(list: &[String], item: &str) -> usize {
    list.iter()
        .position(|x| x == item)
        .unwrap_or_else(|| panic!("{item} not in {list:#?}"))
}

fn assert_in_order(list: &[String], items: &[&str]) {
    let positions: Vec<usize> = items.iter().map(|i| pos(list, i)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "expected {items:?} in this order, the API server saw {list:#?}"
    );
}

fn install_upgrade_test_uninstall(v: HelmVersion) {
    let c = cluster();
    let ns = c.new_namespace(&format!("lifecycle-{}", tag(v)));
    let helm = Helm::new(v, c);
    let rel = "rel";

    helm.ok([
        "install",
        rel,
        &chart("lifecycle"),
        "-n",
        &ns,
        "--timeout",
        TIMEOUT,
    ]);
    let st = status(&helm, rel, &ns);
    assert_eq!(st["info"]["status"], "deployed", "{st:#}");
    assert_eq!(st["version"], 1);
    let phases = hook_phases(&st);
    for h in [
        "rel-pre-install-job",
        "rel-pre-install-pod",
        "rel-post-install-job",
        "rel-post-install-pod",
    ] {
        assert_eq!(phases[h], "Succeeded", "hook {h}: {phases:#?}");
    }
    // Hooks not of this event have not run.
    assert_eq!(phases["rel-pre-upgrade-job"], "", "{phases:#?}");
    assert_in_order(
        &c.created_in(&ns),
        &[
            "jobs/rel-pre-install-job",
            "pods/rel-pre-install-pod",
            "configmaps/rel-config",
            "jobs/rel-post-install-job",
            "pods/rel-post-install-pod",
        ],
    );

    helm.ok([
        "upgrade",
        rel,
        &chart("lifecycle"),
        "-n",
        &ns,
        "--set",
        "version=2",
        "--timeout",
        TIMEOUT,
    ]);
    let st = status(&helm, rel, &ns);
    assert_eq!(st["info"]["status"], "deployed", "{st:#}");
    assert_eq!(st["version"], 2);
    let phases = hook_phases(&st);
    for h in [
        "rel-pre-upgrade-job",
        "rel-pre-upgrade-pod",
        "rel-post-upgrade-job",
        "rel-post-upgrade-pod",
    ] {
        assert_eq!(phases[h], "Succeeded", "hook {h}: {phases:#?}");
    }
    assert_eq!(config_version(c, &ns, "rel-config"), "2");
    assert_in_order(
        &c.created_in(&ns),
        &[
            "pods/rel-post-install-pod",
            "jobs/rel-pre-upgrade-job",
            "pods/rel-pre-upgrade-pod",
            "jobs/rel-post-upgrade-job",
            "pods/rel-post-upgrade-pod",
        ],
    );

    // `helm test --logs` prints the simulated test pod's log.
    let out = helm.ok(["test", rel, "-n", &ns, "--logs", "--timeout", TIMEOUT]);
    let text = out.stdout();
    assert!(text.contains("rel-test"), "{}", out.all());
    assert!(text.contains("Succeeded"), "{}", out.all());
    assert!(text.contains("test pod says hello"), "{}", out.all());
    assert!(text.contains("all checks passed"), "{}", out.all());

    // Uninstall runs pre-delete hooks, deletes the chart's resources, then
    // runs post-delete hooks; hook resources stay (default policy).
    helm.ok(["uninstall", rel, "-n", &ns, "--timeout", TIMEOUT]);
    let created = c.created_in(&ns);
    let deleted = c.succeeded_in(&ns, "delete");
    assert!(
        deleted.contains(&"configmaps/rel-config".to_owned()),
        "{deleted:#?}"
    );
    assert_in_order(
        &created,
        &[
            "jobs/rel-pre-delete-job",
            "pods/rel-pre-delete-pod",
            "jobs/rel-post-delete-job",
            "pods/rel-post-delete-pod",
        ],
    );
    assert_in_order(
        &c.writes_in(&ns),
        &[
            "create jobs/rel-pre-delete-job",
            "delete configmaps/rel-config",
            "create jobs/rel-post-delete-job",
        ],
    );
    let jobs: Api<Job> = Api::namespaced(c.client(), &ns);
    for j in ["rel-pre-delete-job", "rel-post-delete-job"] {
        let job = c
            .block_on(jobs.get(j))
            .unwrap_or_else(|e| panic!("{j} should stay after uninstall: {e}"));
        let done = job
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Complete" && c.status == "True");
        assert!(done, "{j} did not complete");
    }
    let gone = helm.run(["status", rel, "-n", &ns]);
    assert!(!gone.out.status.success(), "{}", gone.all());
    assert!(gone.stderr().contains("not found"), "{}", gone.all());
}

fn install_lifecycle(c: &TestCluster, helm: &Helm, ns: &str) {
    helm.ok([
        "install",
        "rel",
        &chart("lifecycle"),
        "-n",
        ns,
        "--timeout",
        TIMEOUT,
    ]);
    assert_eq!(config_version(c, ns, "rel-config"), "1");
}

fn failing_pre_upgrade_hook(v: HelmVersion) {
    let c = cluster();
    let ns = c.new_namespace(&format!("fail-pre-upgrade-{}", tag(v)));
    let helm = Helm::new(v, c);
    install_lifecycle(c, &helm, &ns);

    let out = helm.run([
        "upgrade",
        "rel",
        &chart("lifecycle"),
        "-n",
        &ns,
        "--set",
        "version=2",
        "--set",
        "failPreUpgrade=true",
        "--timeout",
        TIMEOUT,
    ]);
    assert!(!out.out.status.success(), "{}", out.all());
    // Helm's own words, as users see them; the two versions differ.
    let expected = match v {
        HelmVersion::V3 => "Error: UPGRADE FAILED: pre-upgrade hooks failed: 1 error occurred:\n\
                            \t* job rel-pre-upgrade-job failed: BackoffLimitExceeded"
            .to_owned(),
        HelmVersion::V4 => format!(
            "Error: UPGRADE FAILED: pre-upgrade hooks failed: resource \
             Job/{ns}/rel-pre-upgrade-job not ready. status: Failed, message: Job Failed. \
             failed: 1/1"
        ),
    };
    assert!(out.stderr().contains(&expected), "{}", out.all());

    let hist = history(&helm, "rel", &ns);
    assert_eq!(hist.len(), 2, "{hist:#?}");
    assert_eq!(hist[1].0, 2);
    assert_eq!(hist[1].1, "failed", "{hist:#?}");
    // The failed revision did not touch the chart's resources, nor run the
    // hooks after the failing one.
    assert_eq!(config_version(c, &ns, "rel-config"), "1");
    let created = c.created_in(&ns);
    assert!(created.contains(&"jobs/rel-pre-upgrade-job".to_owned()));
    for later in [
        "pods/rel-pre-upgrade-pod",
        "jobs/rel-post-upgrade-job",
        "pods/rel-post-upgrade-pod",
    ] {
        assert!(
            !created.contains(&later.to_owned()),
            "{later} ran: {created:#?}"
        );
    }
    let st = status(&helm, "rel", &ns);
    assert_eq!(hook_phases(&st)["rel-pre-upgrade-job"], "Failed", "{st:#}");
}

/// What HH014 predicts: Helm orders a hook with an unquoted weight, then
/// fails to build it as a Kubernetes object (semantics §8.2).
fn an_unquoted_weight_fails_at_hook_creation(v: HelmVersion) {
    let c = cluster();
    let ns = c.new_namespace(&format!("unquoted-{}", tag(v)));
    let helm = Helm::new(v, c);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("Chart.yaml"),
        "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pre\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: -10\n",
    )
    .unwrap();
    let chart = dir.path().to_string_lossy().into_owned();
    let out = helm.run(["install", "rel", &chart, "-n", &ns, "--timeout", TIMEOUT]);
    assert!(!out.out.status.success(), "{}", out.all());
    assert!(
        out.stderr().contains("cannot unmarshal number") && out.stderr().contains("annotations"),
        "{}",
        out.all()
    );
    assert!(!c.created_in(&ns).contains(&"configmaps/pre".to_owned()));
}

fn rollback_on_failure(v: HelmVersion) {
    let c = cluster();
    let ns = c.new_namespace(&format!("rollback-{}", tag(v)));
    let helm = Helm::new(v, c);
    install_lifecycle(c, &helm, &ns);

    let flag = match v {
        HelmVersion::V3 => "--atomic",
        HelmVersion::V4 => "--rollback-on-failure",
    };
    let out = helm.run([
        "upgrade",
        "rel",
        &chart("lifecycle"),
        "-n",
        &ns,
        "--set",
        "version=2",
        "--set",
        "failPreUpgrade=true",
        flag,
        "--timeout",
        TIMEOUT,
    ]);
    assert!(!out.out.status.success(), "{}", out.all());
    assert!(
        out.stderr().contains("pre-upgrade hooks failed"),
        "{}",
        out.all()
    );

    let hist = history(&helm, "rel", &ns);
    let statuses: Vec<&str> = hist.iter().map(|h| h.1.as_str()).collect();
    assert_eq!(statuses, ["superseded", "failed", "deployed"], "{hist:#?}");
    assert!(hist[2].2.contains("Rollback to 1"), "{hist:#?}");
    assert_eq!(config_version(c, &ns, "rel-config"), "1");
    // The rollback ran revision 1's rollback hooks, after the failed hook.
    assert_in_order(
        &c.created_in(&ns),
        &[
            "jobs/rel-pre-upgrade-job",
            "jobs/rel-pre-rollback-job",
            "pods/rel-pre-rollback-pod",
            "jobs/rel-post-rollback-job",
            "pods/rel-post-rollback-pod",
        ],
    );
}

/// The order the semantics file predicts (section 2): by weight, then name
/// (byte order: "n-10" < "n-9"); kind order (InstallOrder) only between
/// hooks with the same weight and name; the weight " 5" parses as 0.
fn hooks_tied_on_weight_and_name(v: HelmVersion) {
    let c = cluster();
    let ns = c.new_namespace(&format!("tie-order-{}", tag(v)));
    let helm = Helm::new(v, c);
    helm.ok([
        "install",
        "rel",
        &chart("tie-order"),
        "-n",
        &ns,
        "--timeout",
        TIMEOUT,
    ]);
    let expected = [
        "secrets/zzz",
        "configmaps/aaa",
        "configmaps/m-space",
        "configmaps/n-10",
        "configmaps/n-9",
        "serviceaccounts/same",
        "configmaps/same",
        "roles/same",
        "rolebindings/same",
        "jobs/same",
        "pods/bbb",
        "configmaps/plain",
    ];
    assert_eq!(c.created_in(&ns), expected);
}

fn wait_for_pod_running(c: &TestCluster, ns: &str, selector: &str) -> String {
    let pods: Api<Pod> = Api::namespaced(c.client(), ns);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let list = c
            .block_on(pods.list(&ListParams::default().labels(selector)))
            .expect("listing pods");
        for p in list.items {
            if p.status.and_then(|s| s.phase).as_deref() == Some("Running") {
                return p.metadata.name.unwrap();
            }
        }
        assert!(
            Instant::now() < deadline,
            "no Running pod with {selector} in {ns} within 60s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn pod_phase(c: &TestCluster, ns: &str, name: &str) -> String {
    let pods: Api<Pod> = Api::namespaced(c.client(), ns);
    let p = c.block_on(pods.get(name)).expect("getting the pod");
    p.status.and_then(|s| s.phase).unwrap_or_default()
}

fn kubectl_logs_follows_running_hook(v: HelmVersion) {
    let c = cluster();
    let ns = c.new_namespace(&format!("logs-follow-{}", tag(v)));
    let helm = Helm::new(v, c);
    // Helm waits for the 6s hook; meanwhile we follow its log.
    let install = helm
        .command([
            "install",
            "rel",
            &chart("slow-hook"),
            "-n",
            &ns,
            "--timeout",
            TIMEOUT,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting helm install");
    let pod = wait_for_pod_running(c, &ns, "job-name=rel-slow");

    let mut kubectl = c
        .kubectl()
        .args(["logs", "-f", &pod, "-n", &ns])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting kubectl logs -f");
    let stdout = kubectl.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    let (first_at, first) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("no log line within 10s");
    // The line came while the hook was still running: streaming, not a
    // dump at the end.
    assert_eq!(pod_phase(c, &ns, &pod), "Running");
    let mut lines = vec![first];
    let mut last_at = first_at;
    while let Ok((at, line)) = rx.recv_timeout(Duration::from_secs(20)) {
        lines.push(line);
        last_at = at;
    }
    let expected: Vec<String> = (1..=6)
        .map(|i| format!("kubelet-sim: {pod} line {i}/6"))
        .collect();
    assert_eq!(lines, expected);
    assert!(
        last_at - first_at >= Duration::from_secs(3),
        "lines came in a burst ({:?})",
        last_at - first_at
    );
    let status = kubectl.wait().expect("kubectl logs -f");
    assert!(status.success(), "kubectl logs -f: {status}");

    let out = install.wait_with_output().expect("helm install");
    assert!(
        out.status.success(),
        "helm install failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// kube-rs `log_stream` (what helm-hooks uses) follows a running pod through
/// the API server too.
#[test]
fn kube_log_stream_follows_running_pod() {
    use futures::{AsyncBufReadExt, StreamExt};

    let c = cluster();
    let ns = c.new_namespace("log-stream");
    let pods: Api<Pod> = Api::namespaced(c.client(), &ns);
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "talker", "annotations": {
            "kubelet-sim/duration": "3s",
            "kubelet-sim/log": "one\ntwo\nthree",
        }},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "sim/talker:1"}]},
    }))
    .unwrap();
    c.block_on(pods.create(&PostParams::default(), &pod))
        .expect("creating the pod");
    // The scheduler binds it; the simulated node runs it.
    let name = wait_for_pod_running(c, &ns, "");
    assert_eq!(name, "talker");
    let (lines, phase_after_first) = c.block_on(async {
        let lp = LogParams {
            follow: true,
            ..LogParams::default()
        };
        let mut stream = pods
            .log_stream("talker", &lp)
            .await
            .expect("log_stream")
            .lines();
        let first = stream.next().await.expect("a first line").expect("utf-8");
        let phase = pods
            .get("talker")
            .await
            .expect("get")
            .status
            .and_then(|s| s.phase)
            .unwrap_or_default();
        let mut lines = vec![first];
        while let Some(l) = stream.next().await {
            lines.push(l.expect("utf-8"));
        }
        (lines, phase)
    });
    assert_eq!(phase_after_first, "Running");
    assert_eq!(lines, ["one", "two", "three"]);
    assert_eq!(pod_phase(c, &ns, "talker"), "Succeeded");
}
