//! What a chart's templates call, read from the text Helm executes: the
//! actions (`{{ ... }}`) of the files Helm renders as templates. Words in
//! READMEs, changelogs, CRD descriptions, comments and plain text are
//! never calls, and a plan must not pay a Helm run for them.

/// Template functions whose result differs on every render: Sprig's random,
/// key, UUID, salted-hash and clock functions, and a DNS lookup. Any name
/// starting with `rand` counts too (Sprig's `randAlphaNum`, `randInt`...).
const RANDOM_FUNCTIONS: [&str; 17] = [
    "uuidv4",
    "shuffle",
    "genPrivateKey",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "htpasswd",
    "bcrypt",
    "encryptAES",
    "now",
    "ago",
    "getHostByName",
    "dateInZone",
    "date_in_zone",
];

/// Whether Helm reads the file at `path` (chart-relative, subcharts'
/// files under `charts/<name>/`) as template text: everything under a
/// `templates/` folder, `.tpl` files anywhere (for `tpl` of `.Files.Get`),
/// and values files, whose strings a chart may pass to `tpl`. Never a
/// chart's `crds/`, which Helm applies as they are.
pub fn is_template_source(path: &str) -> bool {
    let mut segments = path.split('/');
    let name = segments.next_back().unwrap_or_default();
    let dirs: Vec<&str> = segments.collect();
    if dirs.contains(&"crds") {
        return false;
    }
    dirs.contains(&"templates")
        || name.ends_with(".tpl")
        || name == "values.yaml"
        || name == "values.yml"
}

/// Whether the template text calls a function whose result differs per
/// render. Only identifiers inside actions count, not fields (`.now`),
/// variables (`$rand`) or comments (`{{/* now */}}`); a string literal
/// that holds template text itself (`tpl "{{ now }}" .`) is read as such.
pub fn calls_random_function(text: &[u8]) -> bool {
    actions(text).any(|a| action_calls(a, &is_random_function))
}

/// Whether the template text calls `lookup`, which reads the cluster:
/// empty under `helm template`, real on install and upgrade.
pub fn calls_lookup(text: &[u8]) -> bool {
    actions(text).any(|a| action_calls(a, &|ident| ident == b"lookup"))
}

/// The inside of each `{{ ... }}` of `text`, comments left out.
fn actions(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let open = memchr::memmem::find(rest, b"{{")?;
            let body = &rest[open + 2..];
            let end = action_end(body);
            let action = &body[..end.min(body.len())];
            rest = &body[(end + 2).min(body.len())..];
            let trimmed = action
                .strip_prefix(b"-")
                .unwrap_or(action)
                .trim_ascii_start();
            if !trimmed.starts_with(b"/*") {
                return Some(action);
            }
        }
    })
}

/// Where the action starting at `body` ends (the index of its `}}`, or
/// the text's length), skipping `}}` inside quoted strings and comments.
fn action_end(body: &[u8]) -> usize {
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'"' => i = literal_end(body, i, b'"'),
            b'`' => i = literal_end(body, i, b'`'),
            b'/' if body[i..].starts_with(b"/*") => {
                i = memchr::memmem::find(&body[i + 2..], b"*/")
                    .map_or(body.len(), |e| i + 2 + e + 2)
            }
            b'}' if body[i..].starts_with(b"}}") => return i,
            _ => i += 1,
        }
    }
    body.len()
}

/// The index just past the literal opened by `quote` at `start`.
fn literal_end(body: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < body.len() {
        if body[i] == b'\\' && quote == b'"' {
            i += 2;
            continue;
        }
        if body[i] == quote {
            return i + 1;
        }
        i += 1;
    }
    body.len()
}

/// Whether the action names a function `wanted` picks out; template text
/// inside a string literal (for `tpl`) is read as such.
fn action_calls(action: &[u8], wanted: &dyn Fn(&[u8]) -> bool) -> bool {
    let mut i = 0;
    while i < action.len() {
        let c = action[i];
        if c == b'"' || c == b'`' {
            let end = literal_end(action, i, c);
            let inner = &action[i + 1..end.saturating_sub(1).max(i + 1)];
            if actions(inner).any(|a| action_calls(a, wanted)) {
                return true;
            }
            i = end;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < action.len() && (action[i].is_ascii_alphanumeric() || action[i] == b'_') {
                i += 1;
            }
            // `.now` is a field and `$now` a variable, not calls.
            let named = start > 0 && matches!(action[start - 1], b'.' | b'$');
            if !named && wanted(&action[start..i]) {
                return true;
            }
        } else if c.is_ascii_digit() {
            // A number's letters (`0x1f`, `1e3`) are no identifier.
            while i < action.len() && action[i].is_ascii_alphanumeric() {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    false
}

fn is_random_function(ident: &[u8]) -> bool {
    ident.starts_with(b"rand") || RANDOM_FUNCTIONS.iter().any(|f| f.as_bytes() == ident)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_inside_actions_count() {
        for text in [
            "password: {{ randAlphaNum 16 | quote }}",
            "name: x-{{- randAlpha 5 | lower -}}",
            "{{ $p := uuidv4 }}",
            "{{ $ca := genCA \"x\" 365 }}",
            "stamp: {{ now | date \"2006\" }}",
            "{{ (now).Unix }}",
            "{{ htpasswd .Values.user .Values.pw }}",
            "{{ include \"x\" (dict \"p\" (randInt 1 9)) }}",
            // Template text handed to `tpl` inside a literal.
            "{{ tpl \"{{ randAlphaNum 5 }}\" . }}",
            "{{ tpl `{{ now }}` . }}",
            // A values string a chart passes to `tpl`.
            "password: \"{{ randAlphaNum 12 }}\"\n",
        ] {
            assert!(calls_random_function(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn words_outside_actions_fields_variables_and_comments_do_not() {
        for text in [
            "# README\n\nYou know how it is: now and random brands.\n",
            "## Changelog\n- random jitter, `randAlphaNum` in docs, uuidv4 ids\n",
            "# values comment: set now, or a random password\npassword: \"\"\n",
            "description: A random operand, applied now by the operator.\n",
            "{{/* randAlphaNum would be random; now is not used */}}",
            "{{- /* genCA */ -}}",
            "{{ .Values.now }} {{ .Values.random }} {{ $rand := 1 }}{{ $rand }}",
            "{{ include \"chart.random-name\" . }}",
            "{{ printf \"%s-now\" .Release.Name }}",
            "{{ .Values.brand | default \"known\" }}",
            "{{ 0x1f }} {{ 1e3 }}",
            "Watch it: kubectl get pods --watch  # now and then",
            "{{ .Release.Name }}-{{ .Chart.Version }} random now",
        ] {
            assert!(!calls_random_function(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn a_brace_pair_in_a_literal_does_not_end_the_action() {
        assert!(calls_random_function(
            b"{{ printf \"}}\" }} {{ randAlpha 3 }}"
        ));
        assert!(!calls_random_function(b"{{ printf \"}} now\" }} rand"));
    }

    #[test]
    fn lookup_is_a_call_only_inside_an_action() {
        assert!(calls_lookup(
            b"{{- if (lookup \"v1\" \"Secret\" .Release.Namespace \"db\") }}"
        ));
        assert!(calls_lookup(
            b"{{ $s := lookup \"v1\" \"Secret\" \"ns\" \"x\" }}"
        ));
        assert!(!calls_lookup(
            b"# we lookup the secret {{ .Values.lookup }}"
        ));
        assert!(!calls_lookup(b"{{/* lookup */}}"));
    }

    #[test]
    fn an_unclosed_action_is_read_to_the_end() {
        assert!(calls_random_function(b"{{ randAlpha 3"));
        assert!(!calls_random_function(b"{{"));
    }

    #[test]
    fn template_sources_are_what_helm_renders() {
        for path in [
            "templates/job.yaml",
            "templates/NOTES.txt",
            "templates/_helpers.tpl",
            "charts/db/templates/hooks/migrate.yaml",
            "files/config.tpl",
            "values.yaml",
            "charts/db/values.yaml",
        ] {
            assert!(is_template_source(path), "{path}");
        }
        for path in [
            "README.md",
            "CHANGELOG.md",
            "crds/crd.yaml",
            "charts/crds/crds/big.yaml",
            "ci/values-ci.yaml",
            "Chart.yaml",
            "values.schema.json",
            "files/dashboard.json",
        ] {
            assert!(!is_template_source(path), "{path}");
        }
    }
}
