//! Container logs: an in-memory store written by the pod simulation, and the
//! kubelet's HTTPS endpoint `/containerLogs/{ns}/{pod}/{container}` that the
//! API server proxies `pods/log` to.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::sync::watch;

use crate::Args;
use crate::time::now_nanos;

#[derive(Debug, Default, Clone)]
pub struct LogState {
    /// (timestamp, line without newline)
    pub lines: Vec<(String, String)>,
    pub started: bool,
    pub done: bool,
}

/// One container's log; followers wait on the watch channel.
pub type ContainerLog = watch::Sender<LogState>;

type Key = (String, String, String);

#[derive(Clone, Default)]
pub struct Store(Arc<Mutex<HashMap<Key, Arc<ContainerLog>>>>);

impl Store {
    pub fn create(&self, ns: &str, pod: &str, container: &str) -> Arc<ContainerLog> {
        let log = Arc::new(watch::Sender::new(LogState::default()));
        let key = (ns.to_owned(), pod.to_owned(), container.to_owned());
        self.0.lock().unwrap().insert(key, log.clone());
        log
    }

    fn get(&self, ns: &str, pod: &str, container: &str) -> Option<Arc<ContainerLog>> {
        let key = (ns.to_owned(), pod.to_owned(), container.to_owned());
        self.0.lock().unwrap().get(&key).cloned()
    }

    pub fn remove_pod(&self, ns: &str, pod: &str) {
        self.0
            .lock()
            .unwrap()
            .retain(|(n, p, _), _| !(n == ns && p == pod));
    }
}

pub fn append(log: &ContainerLog, line: String) {
    log.send_modify(|s| s.lines.push((now_nanos(), line)));
}

type Body = BoxBody<Bytes, Infallible>;

fn text(status: StatusCode, msg: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from(msg)).boxed())
        .unwrap()
}

#[derive(Default)]
struct LogQuery {
    follow: bool,
    timestamps: bool,
    tail_lines: Option<usize>,
    limit_bytes: Option<usize>,
    previous: bool,
}

fn parse_query(q: Option<&str>) -> LogQuery {
    let mut out = LogQuery::default();
    for pair in q.unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let yes = v.is_empty() || v == "true" || v == "1";
        match k {
            "follow" => out.follow = yes,
            "timestamps" => out.timestamps = yes,
            "previous" => out.previous = yes,
            "tailLines" => out.tail_lines = v.parse().ok(),
            "limitBytes" => out.limit_bytes = v.parse().ok(),
            _ => {}
        }
    }
    out
}

fn render(lines: &[(String, String)], timestamps: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (ts, line) in lines {
        if timestamps {
            out.extend_from_slice(ts.as_bytes());
            out.push(b' ');
        }
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

fn handle(store: &Store, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_owned();
    if path == "/healthz" {
        return text(StatusCode::OK, "ok".into());
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let [prefix, ns, pod, container] = parts[..] else {
        return text(
            StatusCode::NOT_FOUND,
            format!("kubelet-sim serves no {path}"),
        );
    };
    if prefix != "containerLogs" {
        return text(
            StatusCode::NOT_FOUND,
            format!("kubelet-sim serves no {path}"),
        );
    }
    let q = parse_query(req.uri().query());
    let Some(log) = store.get(ns, pod, container) else {
        return text(
            StatusCode::NOT_FOUND,
            format!("container {container:?} in pod {pod:?} not found on this node"),
        );
    };
    if q.previous {
        return text(
            StatusCode::BAD_REQUEST,
            format!("previous terminated container {container:?} in pod {pod:?} not found"),
        );
    }
    let mut rx = log.subscribe();
    let (start, started) = {
        let s = rx.borrow_and_update();
        let start = q.tail_lines.map_or(0, |n| s.lines.len().saturating_sub(n));
        (start, s.started)
    };
    if !started {
        // What a real kubelet says for a container not yet running.
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "container {container:?} in pod {pod:?} is waiting to start: ContainerCreating"
            ),
        );
    }
    let timestamps = q.timestamps;
    let follow = q.follow;
    let budget = q.limit_bytes;
    // Each step yields everything new since `next`; a follower then waits
    // for more lines or for the container to end.
    let stream = futures::stream::unfold(
        (rx, start, budget, false),
        move |(mut rx, next, budget, finished)| async move {
            if finished {
                return None;
            }
            loop {
                let (chunk, new_next, done) = {
                    let s = rx.borrow_and_update();
                    let chunk = render(&s.lines[next.min(s.lines.len())..], timestamps);
                    (chunk, s.lines.len(), s.done)
                };
                let end = done || !follow;
                if !chunk.is_empty() {
                    let (chunk, budget, cut) = match budget {
                        Some(b) if chunk.len() >= b => (chunk[..b].to_vec(), Some(0), true),
                        Some(b) => (chunk.clone(), Some(b - chunk.len()), false),
                        None => (chunk, None, false),
                    };
                    let frame: Result<Frame<Bytes>, Infallible> =
                        Ok(Frame::data(Bytes::from(chunk)));
                    return Some((frame, (rx, new_next, budget, end || cut)));
                }
                if end || rx.changed().await.is_err() {
                    return None;
                }
            }
        },
    );
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/plain")
        .body(BodyExt::boxed(StreamBody::new(stream)))
        .unwrap()
}

/// Binds the HTTPS server on 127.0.0.1:port; the returned future serves it.
pub async fn serve(args: &Args, store: Store) -> Result<impl Future<Output = Result<()>> + use<>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = CertificateDer::pem_file_iter(&args.tls_cert)
        .with_context(|| format!("reading {}", args.tls_cert.display()))?
        .collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(&args.tls_key)
        .with_context(|| format!("reading {}", args.tls_key.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(&args.client_ca)? {
        roots.add(ca?)?;
    }
    // Like a kubelet, accept only clients with a certificate from the
    // cluster's CA: the API server presents its kubelet client cert.
    let verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build()?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", args.port))?;

    Ok(async move {
        loop {
            let (tcp, _) = listener.accept().await?;
            let acceptor = acceptor.clone();
            let store = store.clone();
            tokio::spawn(async move {
                let tls = match acceptor.accept(tcp).await {
                    Ok(tls) => tls,
                    Err(e) => {
                        eprintln!("kubelet-sim: TLS handshake failed: {e}");
                        return;
                    }
                };
                let service = hyper::service::service_fn(move |req| {
                    let resp = handle(&store, req);
                    async move { Ok::<_, Infallible>(resp) }
                });
                if let Err(e) = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await
                {
                    eprintln!("kubelet-sim: serving logs: {e}");
                }
            });
        }
    })
}
