//! What the render cache keeps: no Secret value, private folders, and
//! still the right `<redacted, changed>` from cached renders.

use crate::common::*;

fn secret_hook(password: &str, token: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\nstringData:\n  password: {password}\n  token: {token}\n"
    )
}

#[test]
fn the_cache_keeps_no_secret_value_and_still_tells_what_changed() {
    let repo = GitRepo::new();
    repo.write("app/Chart.yaml", &chart_yaml("app"));
    repo.write(
        "app/templates/s.yaml",
        &secret_hook("hunter2-old", "same-token-1"),
    );
    let c1 = repo.commit("old password");
    repo.write(
        "app/templates/s.yaml",
        &secret_hook("hunter2-new", "same-token-1"),
    );
    let c2 = repo.commit("new password");
    for helm in helms() {
        let env = Env::new();
        let plan = |extra: &[&str]| {
            let out = env
                .hooks(&helm)
                .current_dir(repo.path())
                .args([
                    "plan",
                    "app",
                    "--from",
                    &c1,
                    "--to",
                    &c2,
                    "--operation",
                    "install",
                ])
                .args(extra)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        // What an older helm-hooks cached, Secret values in plain text.
        let old = env.path("cache/hooks/render");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("0123"), "password: hunter2-old\n").unwrap();
        let cold = plan(&[]);
        assert!(!old.exists(), "the plaintext renders of old are removed");
        let warm = plan(&[]);
        assert_eq!(cold, warm, "a cached run says the same");
        assert!(
            warm.contains("password: <redacted, changed>") && warm.contains("token: <redacted>"),
            "{warm}"
        );
        let mut files = Vec::new();
        walk_files(&env.path("cache/hooks"), &mut files);
        assert!(!files.is_empty());
        for (path, mode, is_dir) in &files {
            if *is_dir {
                assert_eq!(*mode, 0o700, "{}", path.display());
                continue;
            }
            let bytes = std::fs::read(path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for value in ["hunter2-old", "hunter2-new", "same-token-1"] {
                assert!(!text.contains(value), "{value} in {}", path.display());
            }
        }
        // Asked for, the values are there, cache or not.
        let shown = plan(&["--show-secrets"]);
        assert!(shown.contains("hunter2-new"), "{shown}");
    }
}
