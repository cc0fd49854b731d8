//! kubelet-sim: a stand-in kubelet for helm-hooks' test cluster.
//!
//! It registers one Node, keeps it Ready, plays out every pod bound to it
//! according to the pod's annotations (see README.md), and serves the
//! kubelet's container-log endpoint over HTTPS so that logs work through the
//! API server. Nothing is ever executed.

mod logs;
mod node;
mod pods;
mod time;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use kube::Client;
use kube::config::{Config, KubeConfigOptions, Kubeconfig};

/// Command-line settings; all are given by scripts/cluster.sh.
#[derive(Debug)]
pub struct Args {
    kubeconfig: PathBuf,
    node_name: String,
    port: u16,
    tls_cert: PathBuf,
    tls_key: PathBuf,
    client_ca: PathBuf,
}

const USAGE: &str = "usage: kubelet-sim --kubeconfig FILE --node-name NAME --port PORT \
                     --tls-cert FILE --tls-key FILE --client-ca FILE";

fn parse_args() -> Result<Args> {
    let mut kubeconfig = None;
    let mut node_name = None;
    let mut port = None;
    let mut tls_cert = None;
    let mut tls_key = None;
    let mut client_ca = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--kubeconfig" => kubeconfig = Some(PathBuf::from(value)),
            "--node-name" => node_name = Some(value),
            "--port" => port = Some(value.parse().context("--port")?),
            "--tls-cert" => tls_cert = Some(PathBuf::from(value)),
            "--tls-key" => tls_key = Some(PathBuf::from(value)),
            "--client-ca" => client_ca = Some(PathBuf::from(value)),
            _ => bail!("unknown flag {flag}\n{USAGE}"),
        }
    }
    let missing = |name: &str| anyhow::anyhow!("{name} is required\n{USAGE}");
    Ok(Args {
        kubeconfig: kubeconfig.ok_or_else(|| missing("--kubeconfig"))?,
        node_name: node_name.ok_or_else(|| missing("--node-name"))?,
        port: port.ok_or_else(|| missing("--port"))?,
        tls_cert: tls_cert.ok_or_else(|| missing("--tls-cert"))?,
        tls_key: tls_key.ok_or_else(|| missing("--tls-key"))?,
        client_ca: client_ca.ok_or_else(|| missing("--client-ca"))?,
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let kubeconfig = Kubeconfig::read_from(&args.kubeconfig)
        .with_context(|| format!("reading {}", args.kubeconfig.display()))?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    let client = Client::try_from(config)?;
    let store = logs::Store::default();

    // Serve logs before the Node says where to find them.
    let server = logs::serve(&args, store.clone()).await?;
    node::register(&client, &args).await?;
    eprintln!("kubelet-sim: node {} registered", args.node_name);

    tokio::select! {
        r = server => r.context("log server stopped")?,
        r = node::heartbeat(client.clone(), args.node_name.clone()) => r.context("heartbeat stopped")?,
        r = pods::run(client, args.node_name.clone(), store) => r.context("pod loop stopped")?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
