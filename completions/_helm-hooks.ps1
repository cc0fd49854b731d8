
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'helm-hooks' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'helm-hooks'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'helm-hooks' {
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show which hooks fire, in Helm''s order, and what changed between two Git revisions')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Show the plan, confirm, run `helm upgrade --install` with live hook progress, and record each hook''s outcome')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run `helm test` with live progress and pod logs for each test hook, record it, and write a JUnit report')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Show the hooks stored in the revision Helm rolls back to, confirm, run `helm rollback`, and record it')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Show the release''s stored delete hooks, confirm, run `helm uninstall`, and record it')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List recorded hook runs, newest first, or show one run in full')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check a revision''s hooks for the traps Helm runs into without a word')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a completion script for standalone `helm-hooks` (through Helm, `helm completion` already covers `helm hooks`)')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the plugin''s version (as `helm diff version` does)')
            [CompletionResult]::new('capabilities', 'capabilities', [CompletionResultType]::ParameterValue, 'Print the cluster''s Kubernetes version and API versions, as Helm''s install and upgrade see them, for offline plans (`plan --capabilities FILE`)')
            [CompletionResult]::new('comment', 'comment', [CompletionResultType]::ParameterValue, 'Post a plan''s markdown as the one comment of a pull request (GitHub) or merge request (GitLab) that each CI run updates')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'helm-hooks;plan' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Revision to compare from: anything Git resolves, or WORKTREE (a plan between Git revisions, rendered offline). Default: with --release and its cluster at hand, the deployed revision; else what was last applied to --release (audit log), else HEAD')
            [CompletionResult]::new('--from-path', '--from-path', [CompletionResultType]::ParameterName, 'The chart''s directory at --from, when the chart moved since (default: CHART)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Revision to compare to: anything Git resolves, or WORKTREE (the working tree, uncommitted edits included)')
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'The release to plan against: with its cluster at hand, its deployed revision against Helm''s dry run of this upgrade there (no --from); else the name the Git revisions are rendered with (Helm template''s default: release-name)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Values file (repeatable). A file inside the repository is read at the same revision as the chart')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Values file (repeatable). A file inside the repository is read at the same revision as the chart')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set values on the command line (repeatable): key1=val1,key2=val2')
            [CompletionResult]::new('--set-string', '--set-string', [CompletionResultType]::ParameterName, 'Set STRING values on the command line (repeatable)')
            [CompletionResult]::new('--set-file', '--set-file', [CompletionResultType]::ParameterName, 'Set values from files (repeatable): key=path')
            [CompletionResult]::new('--set-json', '--set-json', [CompletionResultType]::ParameterName, 'Set JSON values on the command line (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version used for Capabilities.KubeVersion')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kubernetes API versions used for Capabilities.APIVersions (repeatable)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'Kubernetes API versions used for Capabilities.APIVersions (repeatable)')
            [CompletionResult]::new('--capabilities', '--capabilities', [CompletionResultType]::ParameterName, 'A cluster''s capabilities (`helm hooks capabilities > FILE`): its Kubernetes version and API versions, for renders without the cluster (--kube-version and --api-versions add to it)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Verify repositories'' TLS certificates with this CA bundle')
            [CompletionResult]::new('--operation', '--operation', [CompletionResultType]::ParameterName, 'Operations to show (repeatable or comma-separated)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Lines of context in manifest diffs')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Lines of context in manifest diffs')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The --timeout Helm will run with (each hook wait): Job deadlines and, with --release, hooks'' expected durations are checked against it')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'With --all: charts planned at once (default: the machine''s cores)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'With --all: charts planned at once (default: the machine''s cores)')
            [CompletionResult]::new('--sarif', '--sarif', [CompletionResultType]::ParameterName, 'With --all: write the lint findings of every planned chart as one SARIF 2.1.0 file')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write a plan file for `apply --plan` (needs --release: planned against what is deployed, as apply plans)')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'Print a plan file as a plan (-o table, markdown, json, yaml); nothing is rendered')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('--plain-http', '--plain-http', [CompletionResultType]::ParameterName, 'Fetch dependencies over plain HTTP (an OCI registry without TLS)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Skip TLS certificate checks when fetching dependencies')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Show Secret data in diffs (redacted by default)')
            [CompletionResult]::new('--detailed-exitcode', '--detailed-exitcode', [CompletionResultType]::ParameterName, 'Exit 0 when no hook changed, 2 when hooks changed, 1 on error')
            [CompletionResult]::new('--ignore-metadata', '--ignore-metadata', [CompletionResultType]::ParameterName, 'With --detailed-exitcode: hooks changed only in labels and annotations do not count')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every chart under CHART (default: the repository root) whose files, in-repository file:// dependencies or values changed between --from (default HEAD) and --to, each planned, in one report')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'helm-hooks;apply' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Revision of the chart to apply: anything Git resolves, or WORKTREE')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Values file (repeatable). A file inside the repository is read at the same revision as the chart')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Values file (repeatable). A file inside the repository is read at the same revision as the chart')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set values on the command line (repeatable): key1=val1,key2=val2')
            [CompletionResult]::new('--set-string', '--set-string', [CompletionResultType]::ParameterName, 'Set STRING values on the command line (repeatable)')
            [CompletionResult]::new('--set-file', '--set-file', [CompletionResultType]::ParameterName, 'Set values from files (repeatable): key=path')
            [CompletionResult]::new('--set-json', '--set-json', [CompletionResultType]::ParameterName, 'Set JSON values on the command line (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version used for Capabilities.KubeVersion')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kubernetes API versions used for Capabilities.APIVersions (repeatable)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'Kubernetes API versions used for Capabilities.APIVersions (repeatable)')
            [CompletionResult]::new('--capabilities', '--capabilities', [CompletionResultType]::ParameterName, 'A cluster''s capabilities (`helm hooks capabilities > FILE`): its Kubernetes version and API versions, for renders without the cluster (--kube-version and --api-versions add to it)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Verify repositories'' TLS certificates with this CA bundle')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time Helm waits for each hook (and for resources with --wait)')
            [CompletionResult]::new('--local-hook-timeout', '--local-hook-timeout', [CompletionResultType]::ParameterName, 'Time each local (helmfile.yaml / .helm-hooks.yaml) hook may run before it is killed')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'Apply a plan file (`plan --release NAME --out FILE`) exactly: its release, namespace, revision and values files; refused (exit 3) when anything drifted since')
            [CompletionResult]::new('--plan-max-age', '--plan-max-age', [CompletionResultType]::ParameterName, 'With --plan: refuse plan files older than this')
            [CompletionResult]::new('--history-max', '--history-max', [CompletionResultType]::ParameterName, 'Run objects kept per release in its namespace, the oldest deleted first (0: no limit)')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('--plain-http', '--plain-http', [CompletionResultType]::ParameterName, 'Fetch dependencies over plain HTTP (an OCI registry without TLS)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Skip TLS certificate checks when fetching dependencies')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking for confirmation')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait for the chart''s resources to be ready (Helm 4: --wait=watcher)')
            [CompletionResult]::new('--atomic', '--atomic', [CompletionResultType]::ParameterName, 'Roll back (upgrade) or uninstall (install) on failure; passed as Helm 3''s --atomic or Helm 4''s --rollback-on-failure')
            [CompletionResult]::new('--rollback-on-failure', '--rollback-on-failure', [CompletionResultType]::ParameterName, 'Roll back (upgrade) or uninstall (install) on failure; passed as Helm 3''s --atomic or Helm 4''s --rollback-on-failure')
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Print hook pods'' log lines as they arrive')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and ask, but change nothing')
            [CompletionResult]::new('--no-cluster-record', '--no-cluster-record', [CompletionResultType]::ParameterName, 'Record the run in the local audit log only, not in a Secret of type helm-hooks.io/run.v1 in the release''s namespace')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'helm-hooks;test' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'As Helm''s: name=NAME runs only NAME, !name=NAME skips it (repeatable or comma-separated)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time Helm waits for each hook')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Write a JUnit XML report of the test hooks to FILE (one testcase each, with its log tail)')
            [CompletionResult]::new('--history-max', '--history-max', [CompletionResultType]::ParameterName, 'Run objects kept per release in its namespace, the oldest deleted first (0: no limit)')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Print hook pods'' log lines as they arrive')
            [CompletionResult]::new('--no-cluster-record', '--no-cluster-record', [CompletionResultType]::ParameterName, 'Record the run in the local audit log only, not in a Secret of type helm-hooks.io/run.v1 in the release''s namespace')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'helm-hooks;rollback' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time Helm waits for each hook')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress')
            [CompletionResult]::new('--history-max', '--history-max', [CompletionResultType]::ParameterName, 'Run objects kept per release in its namespace, the oldest deleted first (0: no limit)')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go on without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go on without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan, but change nothing')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait for the chart''s resources (restored or deleted) to be ready or gone (Helm 4: --wait=watcher)')
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Print hook pods'' log lines as they arrive')
            [CompletionResult]::new('--no-cluster-record', '--no-cluster-record', [CompletionResultType]::ParameterName, 'Record the run in the local audit log only, not in a Secret of type helm-hooks.io/run.v1 in the release''s namespace')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'helm-hooks;uninstall' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--chart', '--chart', [CompletionResultType]::ParameterName, 'Where local hooks (helmfile.yaml, .helm-hooks.yaml) are read, as `helmfile destroy` reads them (default: the current directory)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time Helm waits for each hook')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress')
            [CompletionResult]::new('--local-hook-timeout', '--local-hook-timeout', [CompletionResultType]::ParameterName, 'Time each local hook may run before it is killed')
            [CompletionResult]::new('--history-max', '--history-max', [CompletionResultType]::ParameterName, 'Run objects kept per release in its namespace, the oldest deleted first (0: no limit)')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go on without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go on without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan, but change nothing')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait for the chart''s resources (restored or deleted) to be ready or gone (Helm 4: --wait=watcher)')
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Print hook pods'' log lines as they arrive')
            [CompletionResult]::new('--no-cluster-record', '--no-cluster-record', [CompletionResultType]::ParameterName, 'Record the run in the local audit log only, not in a Secret of type helm-hooks.io/run.v1 in the release''s namespace')
            [CompletionResult]::new('--purge-history', '--purge-history', [CompletionResultType]::ParameterName, 'Delete the release''s run objects from its namespace too (the local audit log keeps them)')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'helm-hooks;history' {
            [CompletionResult]::new('--hook', '--hook', [CompletionResultType]::ParameterName, 'Only runs in which this hook was planned (its name, or KIND/NAME); with --failed, runs in which it did not succeed')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only runs started since: a duration back from now (2d, 3h) or a date (2026-01-31, RFC 3339)')
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Show the newest N runs (0: all), as `helm history --max` does; a line says how many older runs are not shown. With --stats: count the newest N')
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'Show one run in full: its id or a unique prefix of it')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where runs are read from: this machine''s audit log, the run objects in the namespace, or both (all: local alone, with a note, when the cluster does not answer within 3s)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('--failed', '--failed', [CompletionResultType]::ParameterName, 'Only runs that failed or were interrupted')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Per hook: runs, failures, median, p95 and slowest successful duration, and the trend of the last runs')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'helm-hooks;lint' {
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Revision to lint: anything Git resolves, or WORKTREE (the working tree, uncommitted edits included)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Compare with this revision: findings it does not have are marked new, and resources it lacks are new (HH009 on pre-upgrade hooks)')
            [CompletionResult]::new('--from-path', '--from-path', [CompletionResultType]::ParameterName, 'The chart''s directory at --from, when the chart moved since (default: CHART)')
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'Release name used to render (Helm template''s default: release-name)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Values file (repeatable). A file inside the repository is read at the same revision as the chart')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Values file (repeatable). A file inside the repository is read at the same revision as the chart')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set values on the command line (repeatable): key1=val1,key2=val2')
            [CompletionResult]::new('--set-string', '--set-string', [CompletionResultType]::ParameterName, 'Set STRING values on the command line (repeatable)')
            [CompletionResult]::new('--set-file', '--set-file', [CompletionResultType]::ParameterName, 'Set values from files (repeatable): key=path')
            [CompletionResult]::new('--set-json', '--set-json', [CompletionResultType]::ParameterName, 'Set JSON values on the command line (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (Helm passes its -n as HELM_NAMESPACE)')
            [CompletionResult]::new('--kube-version', '--kube-version', [CompletionResultType]::ParameterName, 'Kubernetes version used for Capabilities.KubeVersion')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Kubernetes API versions used for Capabilities.APIVersions (repeatable)')
            [CompletionResult]::new('--api-versions', '--api-versions', [CompletionResultType]::ParameterName, 'Kubernetes API versions used for Capabilities.APIVersions (repeatable)')
            [CompletionResult]::new('--capabilities', '--capabilities', [CompletionResultType]::ParameterName, 'A cluster''s capabilities (`helm hooks capabilities > FILE`): its Kubernetes version and API versions, for renders without the cluster (--kube-version and --api-versions add to it)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Verify repositories'' TLS certificates with this CA bundle')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The --timeout Helm will run with (each hook wait): Job deadlines are checked against it')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('--plain-http', '--plain-http', [CompletionResultType]::ParameterName, 'Fetch dependencies over plain HTTP (an OCI registry without TLS)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Skip TLS certificate checks when fetching dependencies')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 on warnings too, not only on errors')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'helm-hooks;completion' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'helm-hooks;version' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'helm-hooks;capabilities' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to connect with (discovery itself is cluster-wide)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to connect with (discovery itself is cluster-wide)')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'helm-hooks;comment' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Names the comment among others on the pull request (one per chart set), as a hidden marker `<!-- helm-hooks:KEY -->`')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'update: one comment per key, edited in place; new: a new comment each run; off: none')
            [CompletionResult]::new('--plan-exit-code', '--plan-exit-code', [CompletionResultType]::ParameterName, 'The exit status of `plan --detailed-exitcode`: 0 says "no hook changes" (an earlier comment is updated to say so, none is created), 2 changes, anything else a failed plan')
            [CompletionResult]::new('--forge', '--forge', [CompletionResultType]::ParameterName, 'The forge whose API is called (token: GITHUB_TOKEN; GITLAB_TOKEN or CI_JOB_TOKEN)')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'The pull (merge) request''s number (default: GITHUB_EVENT_PATH''s pull request; CI_MERGE_REQUEST_IID)')
            [CompletionResult]::new('--details-url', '--details-url', [CompletionResultType]::ParameterName, 'Where the full plan is, for the pointer of a comment cut below the forge''s limit (default: the run''s job summary on GitHub, CI_JOB_URL on GitLab)')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print debug logs on stderr (Helm''s --debug sets HELM_DEBUG for plugins)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'helm-hooks;help' {
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show which hooks fire, in Helm''s order, and what changed between two Git revisions')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Show the plan, confirm, run `helm upgrade --install` with live hook progress, and record each hook''s outcome')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run `helm test` with live progress and pod logs for each test hook, record it, and write a JUnit report')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Show the hooks stored in the revision Helm rolls back to, confirm, run `helm rollback`, and record it')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Show the release''s stored delete hooks, confirm, run `helm uninstall`, and record it')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List recorded hook runs, newest first, or show one run in full')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check a revision''s hooks for the traps Helm runs into without a word')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a completion script for standalone `helm-hooks` (through Helm, `helm completion` already covers `helm hooks`)')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the plugin''s version (as `helm diff version` does)')
            [CompletionResult]::new('capabilities', 'capabilities', [CompletionResultType]::ParameterValue, 'Print the cluster''s Kubernetes version and API versions, as Helm''s install and upgrade see them, for offline plans (`plan --capabilities FILE`)')
            [CompletionResult]::new('comment', 'comment', [CompletionResultType]::ParameterValue, 'Post a plan''s markdown as the one comment of a pull request (GitHub) or merge request (GitLab) that each CI run updates')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'helm-hooks;help;plan' {
            break
        }
        'helm-hooks;help;apply' {
            break
        }
        'helm-hooks;help;test' {
            break
        }
        'helm-hooks;help;rollback' {
            break
        }
        'helm-hooks;help;uninstall' {
            break
        }
        'helm-hooks;help;history' {
            break
        }
        'helm-hooks;help;lint' {
            break
        }
        'helm-hooks;help;completion' {
            break
        }
        'helm-hooks;help;version' {
            break
        }
        'helm-hooks;help;capabilities' {
            break
        }
        'helm-hooks;help;comment' {
            break
        }
        'helm-hooks;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
