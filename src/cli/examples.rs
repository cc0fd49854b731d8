//! The examples each command's `--help` ends with: real command lines,
//! as a new user would type them through Helm.

pub const TOP: &str = "\
Examples:
  helm hooks plan charts/web                      # what the working tree changes
  helm hooks apply web charts/web -n shop         # plan, confirm, upgrade, record
  helm hooks <COMMAND> --help                     # each command's own examples";

pub const PLAN: &str = "\
Examples:
  # The hooks the working tree changes in charts/web, against HEAD
  helm hooks plan charts/web

  # Between two tags, upgrade only, as a pull-request comment
  helm hooks plan charts/web --from v1.2.0 --to v1.3.0 --operation upgrade -o markdown

  # Against what was last applied to release web; exit 2 when hooks changed
  helm hooks plan charts/web --release web -n shop -f values/prod.yaml --detailed-exitcode

  # Every chart whose hooks or input changed since main
  helm hooks plan --all --from origin/main --to HEAD";

pub const APPLY: &str = "\
Examples:
  # Plan HEAD against what is deployed, ask, then upgrade (or install) web
  helm hooks apply web charts/web -n shop -f values/prod.yaml

  # In CI: no question, roll back on failure, hook pods' logs as they come
  helm hooks apply web charts/web -n shop --yes --atomic --logs

  # Exactly the plan reviewed earlier (refused if anything drifted)
  helm hooks plan charts/web --release web -n shop --out web.plan
  helm hooks apply --plan web.plan

  # Further flags for helm upgrade, after --
  helm hooks apply web charts/web -n shop -- --create-namespace";

pub const TEST: &str = "\
Examples:
  # Run web's test hooks with their pods' logs, and write a JUnit report
  helm hooks test web -n shop --logs --junit test-report.xml

  # Only one test hook
  helm hooks test web -n shop --filter name=web-smoke";

pub const ROLLBACK: &str = "\
Examples:
  # Show the rollback hooks of the revision before the latest, ask, roll back
  helm hooks rollback web -n shop

  # To revision 3: show what would run, change nothing
  helm hooks rollback web 3 -n shop --dry-run";

pub const UNINSTALL: &str = "\
Examples:
  # Show web's delete hooks, ask, uninstall
  helm hooks uninstall web -n shop

  # No question; delete web's run records from the namespace too
  helm hooks uninstall web -n shop --yes --purge-history";

pub const HISTORY: &str = "\
Examples:
  # web's recorded runs, newest first
  helm hooks history web -n shop

  # Failed runs of the last week, then one of them in full
  helm hooks history web -n shop --failed --since 7d
  helm hooks history --run 3f2a9c

  # Per hook: runs, failures, median and p95 durations
  helm hooks history web -n shop --stats";

pub const LINT: &str = "\
Examples:
  # The working tree of charts/web
  helm hooks lint charts/web

  # A tag, marking what is new since the one before
  helm hooks lint charts/web --rev v1.3.0 --from v1.2.0

  # SARIF for code scanning; warnings fail too
  helm hooks lint charts/web -o sarif --strict > hooks.sarif";

pub const COMPLETION: &str = "\
Examples:
  helm-hooks completion bash > ~/.local/share/bash-completion/completions/helm-hooks
  helm-hooks completion zsh > \"${fpath[1]}/_helm-hooks\"
  helm-hooks completion fish > ~/.config/fish/completions/helm-hooks.fish";

pub const VERSION: &str = "\
Examples:
  helm hooks version
  helm hooks version -o json";

pub const CAPABILITIES: &str = "\
Examples:
  # Where the cluster is at hand: keep what it serves
  helm hooks capabilities --kube-context prod > prod-capabilities.yaml

  # In a pull request's CI, with no cluster: plan as prod's Helm will see it
  helm hooks plan charts/web --capabilities prod-capabilities.yaml";

pub const COMMENT: &str = "\
Examples:
  # In a pull request's CI job (GITHUB_TOKEN with pull-requests: write), after
  # `helm hooks plan charts/web --from BASE -o markdown --detailed-exitcode > plan.md` exited 2
  helm hooks comment plan.md --key charts/web --plan-exit-code 2

  # GitLab: GITLAB_TOKEN (api scope) and the merge request from CI_MERGE_REQUEST_IID
  helm hooks comment all.md --key all --forge gitlab

  # A new comment per run instead of one updated in place
  helm hooks comment plan.md --mode new";
