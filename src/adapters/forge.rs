//! The forge's HTTP API for pull-request comments (GitHub issue comments,
//! GitLab merge request notes), and where a CI job finds its forge, pull
//! request and token in the environment. The token goes into a request
//! header and nowhere else: no error or log line carries it.

use crate::core::comment::{Comment, Forge};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::HeaderValue;
use hyper::{Method, Request};
use std::time::Duration;

/// Why the job's environment does not say where to comment.
#[derive(Debug, thiserror::Error)]
pub enum ForgeEnvError {
    #[error(
        "cannot tell the forge: neither GitHub Actions (GITHUB_ACTIONS, GITHUB_API_URL) nor GitLab CI (GITLAB_CI, CI_API_V4_URL) is in the environment"
    )]
    NoForge,
    #[error("{var} is not set, so the {forge} {noun} to comment on is unknown", forge = .forge.name(), noun = .forge.request_noun())]
    Missing { forge: Forge, var: &'static str },
    #[error("this {forge} job is not about a {noun} (no {noun} number in {source_of})", forge = .forge.name(), noun = .forge.request_noun())]
    NoPullRequest { forge: Forge, source_of: String },
    #[error("no {forge} token: {vars} is empty or not set", forge = .forge.name())]
    NoToken { forge: Forge, vars: &'static str },
    #[error("{var} holds characters no HTTP header may carry (a newline or a control character)")]
    BadToken { var: &'static str },
    #[error("cannot read the GitHub event file {path}: {reason}")]
    BadEvent { path: String, reason: String },
}

/// The forge answered with an error, or did not answer.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error("{forge} API: {what} failed: HTTP {status}{message}", forge = .forge.name(), message = match .message.as_str() { "" => String::new(), m => format!(" ({m})") })]
    Status {
        forge: Forge,
        what: String,
        status: u16,
        message: String,
        /// Which token the job used, for the fix (GitLab: CI_JOB_TOKEN
        /// cannot write notes).
        token_var: &'static str,
    },
    #[error("{forge} API at {api}: {what} failed: {reason}", forge = .forge.name())]
    Unreachable {
        forge: Forge,
        api: String,
        what: String,
        reason: String,
    },
    #[error("{forge} API at {api}: {what} failed: its TLS certificate is not trusted here: {reason}", forge = .forge.name())]
    Untrusted {
        forge: Forge,
        api: String,
        what: String,
        reason: String,
    },
    #[error("{forge} API: {what}: unexpected answer: {reason}", forge = .forge.name())]
    BadAnswer {
        forge: Forge,
        what: String,
        reason: String,
    },
}

/// A token and the header that carries it. Debug never shows it.
#[derive(Clone)]
struct Token {
    header: &'static str,
    value: HeaderValue,
    var: &'static str,
}

impl Token {
    /// The header's value is marked sensitive (never shown by hyper's
    /// Debug); a token that is no header value is named, not shown.
    fn new(header: &'static str, value: &str, var: &'static str) -> Result<Self, ForgeEnvError> {
        let mut value =
            HeaderValue::from_str(value.trim()).map_err(|_| ForgeEnvError::BadToken { var })?;
        value.set_sensitive(true);
        Ok(Token { header, value, var })
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({}, redacted)", self.var)
    }
}

/// One pull request's (merge request's) comments on one forge.
#[derive(Debug)]
pub struct Target {
    pub forge: Forge,
    api: String,
    /// GitHub `repos/OWNER/NAME/issues/N`, GitLab `projects/ID/merge_requests/IID`.
    thread: String,
    /// The path edits go to, before the comment's id.
    edit_base: String,
    pub number: u64,
    token: Token,
    /// Where the job keeps the full plan, when the environment says.
    pub details_url: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The forge the job runs on, unless `forced`.
pub fn detect(forced: Option<Forge>) -> Result<Forge, ForgeEnvError> {
    if let Some(f) = forced {
        return Ok(f);
    }
    if var("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
        return Ok(Forge::GitHub);
    }
    if var("GITLAB_CI").is_some_and(|v| v == "true") {
        return Ok(Forge::GitLab);
    }
    match (var("GITHUB_API_URL"), var("CI_API_V4_URL")) {
        (Some(_), None) => Ok(Forge::GitHub),
        (None, Some(_)) => Ok(Forge::GitLab),
        _ => Err(ForgeEnvError::NoForge),
    }
}

impl Target {
    /// The job's pull request (or `number`) on `forge`, from the variables
    /// GitHub Actions and GitLab CI set.
    pub fn from_env(forge: Forge, number: Option<u64>) -> Result<Self, ForgeEnvError> {
        match forge {
            Forge::GitHub => Self::github(number),
            Forge::GitLab => Self::gitlab(number),
        }
    }

    fn github(number: Option<u64>) -> Result<Self, ForgeEnvError> {
        let forge = Forge::GitHub;
        let api = var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
        let repo = var("GITHUB_REPOSITORY").ok_or(ForgeEnvError::Missing {
            forge,
            var: "GITHUB_REPOSITORY",
        })?;
        let number = match number {
            Some(n) => n,
            None => github_event_number()?,
        };
        let (token, var_name) = match (var("GITHUB_TOKEN"), var("GH_TOKEN")) {
            (Some(t), _) => (t, "GITHUB_TOKEN"),
            (None, Some(t)) => (t, "GH_TOKEN"),
            (None, None) => {
                return Err(ForgeEnvError::NoToken {
                    forge,
                    vars: "GITHUB_TOKEN (or GH_TOKEN)",
                });
            }
        };
        let details_url = match (var("GITHUB_SERVER_URL"), var("GITHUB_RUN_ID")) {
            (Some(server), Some(run)) => Some(format!(
                "{}/{repo}/actions/runs/{run}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        Ok(Target {
            forge,
            api: api.trim_end_matches('/').to_string(),
            thread: format!("repos/{repo}/issues/{number}"),
            edit_base: format!("repos/{repo}/issues/comments"),
            number,
            token: Token::new(
                "authorization",
                &format!("Bearer {}", token.trim()),
                var_name,
            )?,
            details_url,
        })
    }

    fn gitlab(number: Option<u64>) -> Result<Self, ForgeEnvError> {
        let forge = Forge::GitLab;
        let missing = |var| ForgeEnvError::Missing { forge, var };
        let api = var("CI_API_V4_URL").ok_or(missing("CI_API_V4_URL"))?;
        let project = var("CI_PROJECT_ID").ok_or(missing("CI_PROJECT_ID"))?;
        let number = match number {
            Some(n) => n,
            None => var("CI_MERGE_REQUEST_IID")
                .and_then(|n| n.parse().ok())
                .ok_or(ForgeEnvError::NoPullRequest {
                    forge,
                    source_of: "CI_MERGE_REQUEST_IID".into(),
                })?,
        };
        // A project or personal access token first: CI_JOB_TOKEN's reach
        // is limited and may not include notes.
        let token = match (var("GITLAB_TOKEN"), var("CI_JOB_TOKEN")) {
            (Some(t), _) => Token::new("private-token", &t, "GITLAB_TOKEN")?,
            (None, Some(t)) => Token::new("job-token", &t, "CI_JOB_TOKEN")?,
            (None, None) => {
                return Err(ForgeEnvError::NoToken {
                    forge,
                    vars: "GITLAB_TOKEN (or CI_JOB_TOKEN)",
                });
            }
        };
        let thread = format!("projects/{project}/merge_requests/{number}");
        Ok(Target {
            forge,
            api: api.trim_end_matches('/').to_string(),
            edit_base: format!("{thread}/notes"),
            thread,
            number,
            token,
            details_url: var("CI_JOB_URL"),
        })
    }

    /// Every comment of the pull request, oldest first, following the
    /// `Link: <...>; rel="next"` pages both forges send.
    pub fn list(&self) -> Result<Vec<Comment>, ForgeError> {
        let what = format!(
            "listing the comments of {} {}",
            self.forge.request_noun(),
            self.number
        );
        let first = match self.forge {
            Forge::GitHub => format!("{}/{}/comments?per_page=100", self.api, self.thread),
            Forge::GitLab => format!(
                "{}/{}/notes?per_page=100&sort=asc&order_by=created_at",
                self.api, self.thread
            ),
        };
        let mut out = Vec::new();
        let mut next = Some(first);
        // Bounded: 100 pages of 100 comments.
        for _ in 0..100 {
            let Some(url) = next.take() else { break };
            let answer = self.send(Method::GET, &url, None, &what)?;
            let items: Vec<serde_json::Value> = serde_json::from_slice(&answer.body)
                .map_err(|e| self.bad_answer(&what, e.to_string()))?;
            for item in items {
                // GitLab's system notes ("added 1 commit") are no one's comment.
                if item["system"].as_bool() == Some(true) {
                    continue;
                }
                let (Some(id), Some(body)) = (item["id"].as_u64(), item["body"].as_str()) else {
                    return Err(self.bad_answer(&what, "a comment without id or body".into()));
                };
                out.push(Comment {
                    id,
                    body: body.to_string(),
                });
            }
            next = answer.next;
        }
        Ok(out)
    }

    /// Posts a new comment; its id.
    pub fn create(&self, body: &str) -> Result<u64, ForgeError> {
        let what = format!(
            "creating a comment on {} {}",
            self.forge.request_noun(),
            self.number
        );
        let url = match self.forge {
            Forge::GitHub => format!("{}/{}/comments", self.api, self.thread),
            Forge::GitLab => format!("{}/{}/notes", self.api, self.thread),
        };
        let answer = self.send(Method::POST, &url, Some(body), &what)?;
        let v: serde_json::Value = serde_json::from_slice(&answer.body)
            .map_err(|e| self.bad_answer(&what, e.to_string()))?;
        v["id"]
            .as_u64()
            .ok_or_else(|| self.bad_answer(&what, "no id in the answer".into()))
    }

    /// Replaces comment `id`'s body.
    pub fn update(&self, id: u64, body: &str) -> Result<(), ForgeError> {
        let what = format!("updating comment {id}");
        let (method, url) = match self.forge {
            Forge::GitHub => (
                Method::PATCH,
                format!("{}/{}/{id}", self.api, self.edit_base),
            ),
            Forge::GitLab => (Method::PUT, format!("{}/{}/{id}", self.api, self.edit_base)),
        };
        self.send(method, &url, Some(body), &what).map(|_| ())
    }

    fn bad_answer(&self, what: &str, reason: String) -> ForgeError {
        ForgeError::BadAnswer {
            forge: self.forge,
            what: what.to_string(),
            reason,
        }
    }

    fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&str>,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        let unreachable = |reason: String| ForgeError::Unreachable {
            forge: self.forge,
            api: self.api.clone(),
            what: what.to_string(),
            reason,
        };
        let json = body.map(|b| serde_json::json!({ "body": b }).to_string());
        let mut request = Request::builder()
            .method(method)
            .uri(url)
            .header(
                "user-agent",
                concat!("helm-hooks/", env!("CARGO_PKG_VERSION")),
            )
            .header(self.token.header, self.token.value.clone());
        request = match self.forge {
            Forge::GitHub => request
                .header("accept", "application/vnd.github+json")
                .header("x-github-api-version", "2022-11-28"),
            Forge::GitLab => request.header("accept", "application/json"),
        };
        if json.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(json.unwrap_or_default())))
            .map_err(|e| unreachable(format!("bad request URL {url}: {e}")))?;
        let answer = exchange(request).map_err(|reason| {
            if reason.contains("invalid peer certificate") {
                ForgeError::Untrusted {
                    forge: self.forge,
                    api: self.api.clone(),
                    what: what.to_string(),
                    reason,
                }
            } else {
                unreachable(reason)
            }
        })?;
        if !(200..300).contains(&answer.status) {
            return Err(ForgeError::Status {
                forge: self.forge,
                what: what.to_string(),
                status: answer.status,
                message: error_message(&answer.body),
                token_var: self.token.var,
            });
        }
        Ok(answer)
    }
}

/// What a forge sends back: the status, the body, the next page.
struct Answer {
    status: u16,
    body: Bytes,
    next: Option<String>,
}

/// One request, on a runtime of its own (the command is otherwise
/// synchronous), within 30 seconds.
fn exchange(request: Request<Full<Bytes>>) -> Result<Answer, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        // ring, named: the same provider kube's TLS uses, whatever other
        // crates' features would make the process default.
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("no TLS configuration: {e}"))?;
        let tls = {
            use rustls_platform_verifier::BuilderVerifierExt;
            tls.with_platform_verifier()
                .map_err(|e| format!("no TLS trust store: {e}"))?
                .with_no_client_auth()
        };
        let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(https);
        let work = async {
            let response = client.request(request).await.map_err(|e| {
                // The connection error's cause says more than "client error".
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    text = format!("{text}: {s}");
                    source = s.source();
                }
                text
            })?;
            let status = response.status().as_u16();
            let next = response
                .headers()
                .get_all("link")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(next_link);
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok(Answer { status, body, next })
        };
        tokio::time::timeout(Duration::from_secs(30), work)
            .await
            .map_err(|_| "no answer within 30s".to_string())?
    })
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim();
                p == "rel=\"next\"" || p == "rel=next"
            })
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

/// The forge's own words for an error: GitHub's and GitLab's `message`
/// (or GitLab's `error`), on one line and short.
fn error_message(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = match (&v["message"], &v["error"]) {
        (serde_json::Value::String(s), _) | (_, serde_json::Value::String(s)) => s.clone(),
        (m, _) if !m.is_null() => m.to_string(),
        _ => String::new(),
    };
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &one_line[..i]),
        None => one_line,
    }
}

/// The pull request number in the event GitHub Actions wrote
/// (GITHUB_EVENT_PATH): `pull_request` and `pull_request_target` events,
/// and comments on pull requests.
fn github_event_number() -> Result<u64, ForgeEnvError> {
    let forge = Forge::GitHub;
    let path = var("GITHUB_EVENT_PATH").ok_or(ForgeEnvError::Missing {
        forge,
        var: "GITHUB_EVENT_PATH",
    })?;
    let text = std::fs::read_to_string(&path).map_err(|e| ForgeEnvError::BadEvent {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let event: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| ForgeEnvError::BadEvent {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    event["pull_request"]["number"]
        .as_u64()
        .or_else(|| {
            event["issue"]["pull_request"]
                .is_object()
                .then(|| event["issue"]["number"].as_u64())
                .flatten()
        })
        .ok_or(ForgeEnvError::NoPullRequest {
            forge,
            source_of: format!(
                "{path}, the {} event",
                var("GITHUB_EVENT_NAME").unwrap_or_default()
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_the_others() {
        let h = r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        assert_eq!(next_link(r#"<https://a/x?page=1>; rel="first""#), None);
    }

    #[test]
    fn error_message_is_one_short_line() {
        assert_eq!(
            error_message(br#"{"message":"Bad\n credentials"}"#),
            "Bad credentials"
        );
        assert_eq!(
            error_message(br#"{"error":"insufficient_scope"}"#),
            "insufficient_scope"
        );
        assert_eq!(error_message(b"<html>"), "");
        assert!(
            error_message(format!(r#"{{"message":"{}"}}"#, "x".repeat(500)).as_bytes()).len() < 210
        );
    }

    #[test]
    fn the_token_never_shows_in_debug_or_errors() {
        let t = Token::new("authorization", "Bearer s3cret\n", "GITHUB_TOKEN").unwrap();
        assert!(!format!("{t:?}").contains("s3cret"));
        assert!(t.value.is_sensitive());
        assert_eq!(t.value, "Bearer s3cret");
        let e = Token::new("private-token", "s3cret\nX-Evil: 1", "GITLAB_TOKEN").unwrap_err();
        assert!(!format!("{e} {e:?}").contains("s3cret"), "{e}");
        assert!(e.to_string().starts_with("GITLAB_TOKEN holds"), "{e}");
    }
}
