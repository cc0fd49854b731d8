//! A stand-in for `helm` in tests: appends its first argument (`template`,
//! `dependency`, ...; the version probe's render as `template
//! helm-hooks-kube-default`) to `$COUNTING_HELM_LOG`, then becomes the real Helm
//! (`$COUNTING_HELM_REAL`) with the same arguments. Compiled, so tests
//! never write an executable and run it at once (ETXTBSY under fork).

use std::io::Write;
use std::os::unix::process::CommandExt;

fn main() {
    let log = std::env::var_os("COUNTING_HELM_LOG").expect("COUNTING_HELM_LOG is set");
    let real = std::env::var_os("COUNTING_HELM_REAL").expect("COUNTING_HELM_REAL is set");
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let mut first = args
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default();
    // helm-hooks asks each binary once which Kubernetes version its
    // `template` assumes, by a render of its own: logged apart from the
    // chart's renders that tests count.
    if first == "template" && args.get(1).is_some_and(|a| a == "helm-hooks-kube-default") {
        first.push_str(" helm-hooks-kube-default");
    }
    // One write of one line: concurrent calls (both revisions render at
    // once) never interleave within a line.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| f.write_all(format!("{first}\n").as_bytes()))
        .expect("log the call");
    let err = std::process::Command::new(real).args(&args).exec();
    panic!("cannot run the real helm: {err}");
}
