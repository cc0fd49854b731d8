# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_helm_hooks_global_optspecs
    string join \n debug kube-context= kubeconfig= color= h/help V/version
end

function __fish_helm_hooks_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_helm_hooks_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_helm_hooks_using_subcommand
    set -l cmd (__fish_helm_hooks_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -s V -l version -d 'Print version'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "plan" -d 'Show which hooks fire, in Helm\'s order, and what changed between two Git revisions'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "apply" -d 'Show the plan, confirm, run `helm upgrade --install` with live hook progress, and record each hook\'s outcome'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "test" -d 'Run `helm test` with live progress and pod logs for each test hook, record it, and write a JUnit report'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "rollback" -d 'Show the hooks stored in the revision Helm rolls back to, confirm, run `helm rollback`, and record it'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "uninstall" -d 'Show the release\'s stored delete hooks, confirm, run `helm uninstall`, and record it'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "history" -d 'List recorded hook runs, newest first, or show one run in full'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "lint" -d 'Check a revision\'s hooks for the traps Helm runs into without a word'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "completion" -d 'Print a completion script for standalone `helm-hooks` (through Helm, `helm completion` already covers `helm hooks`)'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "version" -d 'Print the plugin\'s version (as `helm diff version` does)'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "capabilities" -d 'Print the cluster\'s Kubernetes version and API versions, as Helm\'s install and upgrade see them, for offline plans (`plan --capabilities FILE`)'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "comment" -d 'Post a plan\'s markdown as the one comment of a pull request (GitHub) or merge request (GitLab) that each CI run updates'
complete -c helm-hooks -n "__fish_helm_hooks_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l from -d 'Revision to compare from: anything Git resolves, or WORKTREE (a plan between Git revisions, rendered offline). Default: with --release and its cluster at hand, the deployed revision; else what was last applied to --release (audit log), else HEAD' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l from-path -d 'The chart\'s directory at --from, when the chart moved since (default: CHART)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l to -d 'Revision to compare to: anything Git resolves, or WORKTREE (the working tree, uncommitted edits included)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l release -d 'The release to plan against: with its cluster at hand, its deployed revision against Helm\'s dry run of this upgrade there (no --from); else the name the Git revisions are rendered with (Helm template\'s default: release-name)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -s f -l values -d 'Values file (repeatable). A file inside the repository is read at the same revision as the chart' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l set -d 'Set values on the command line (repeatable): key1=val1,key2=val2' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l set-string -d 'Set STRING values on the command line (repeatable)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l set-file -d 'Set values from files (repeatable): key=path' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l set-json -d 'Set JSON values on the command line (repeatable)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -s n -l namespace -d 'Namespace (Helm passes its -n as HELM_NAMESPACE)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l kube-version -d 'Kubernetes version used for Capabilities.KubeVersion' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -s a -l api-versions -d 'Kubernetes API versions used for Capabilities.APIVersions (repeatable)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l capabilities -d 'A cluster\'s capabilities (`helm hooks capabilities > FILE`): its Kubernetes version and API versions, for renders without the cluster (--kube-version and --api-versions add to it)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l ca-file -d 'Verify repositories\' TLS certificates with this CA bundle' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l operation -d 'Operations to show (repeatable or comma-separated)' -r -f -a "install\t''
upgrade\t''
rollback\t''
uninstall\t''
test\t''
all\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
markdown\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -s C -l context -d 'Lines of context in manifest diffs' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l timeout -d 'The --timeout Helm will run with (each hook wait): Job deadlines and, with --release, hooks\' expected durations are checked against it' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -s j -l jobs -d 'With --all: charts planned at once (default: the machine\'s cores)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l sarif -d 'With --all: write the lint findings of every planned chart as one SARIF 2.1.0 file' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l out -d 'Write a plan file for `apply --plan` (needs --release: planned against what is deployed, as apply plans)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l plan -d 'Print a plan file as a plan (-o table, markdown, json, yaml); nothing is rendered' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l version -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l plain-http -d 'Fetch dependencies over plain HTTP (an OCI registry without TLS)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l insecure-skip-tls-verify -d 'Skip TLS certificate checks when fetching dependencies'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l show-secrets -d 'Show Secret data in diffs (redacted by default)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l detailed-exitcode -d 'Exit 0 when no hook changed, 2 when hooks changed, 1 on error'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l ignore-metadata -d 'With --detailed-exitcode: hooks changed only in labels and annotations do not count'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l all -d 'Every chart under CHART (default: the repository root) whose files, in-repository file:// dependencies or values changed between --from (default HEAD) and --to, each planned, in one report'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand plan" -s h -l help -d 'Print help'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l to -d 'Revision of the chart to apply: anything Git resolves, or WORKTREE' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -s f -l values -d 'Values file (repeatable). A file inside the repository is read at the same revision as the chart' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l set -d 'Set values on the command line (repeatable): key1=val1,key2=val2' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l set-string -d 'Set STRING values on the command line (repeatable)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l set-file -d 'Set values from files (repeatable): key=path' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l set-json -d 'Set JSON values on the command line (repeatable)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -s n -l namespace -d 'Namespace (Helm passes its -n as HELM_NAMESPACE)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l kube-version -d 'Kubernetes version used for Capabilities.KubeVersion' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -s a -l api-versions -d 'Kubernetes API versions used for Capabilities.APIVersions (repeatable)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l capabilities -d 'A cluster\'s capabilities (`helm hooks capabilities > FILE`): its Kubernetes version and API versions, for renders without the cluster (--kube-version and --api-versions add to it)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l ca-file -d 'Verify repositories\' TLS certificates with this CA bundle' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l timeout -d 'Time Helm waits for each hook (and for resources with --wait)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l local-hook-timeout -d 'Time each local (helmfile.yaml / .helm-hooks.yaml) hook may run before it is killed' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l progress -d 'How to show progress' -r -f -a "auto\t'Bars on a terminal, plain lines otherwise'
bars\t''
plain\t''
none\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l plan -d 'Apply a plan file (`plan --release NAME --out FILE`) exactly: its release, namespace, revision and values files; refused (exit 3) when anything drifted since' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l plan-max-age -d 'With --plan: refuse plan files older than this' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l history-max -d 'Run objects kept per release in its namespace, the oldest deleted first (0: no limit)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l version -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l plain-http -d 'Fetch dependencies over plain HTTP (an OCI registry without TLS)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l insecure-skip-tls-verify -d 'Skip TLS certificate checks when fetching dependencies'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -s y -l yes -d 'Apply without asking for confirmation'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l wait -d 'Wait for the chart\'s resources to be ready (Helm 4: --wait=watcher)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l atomic -l rollback-on-failure -d 'Roll back (upgrade) or uninstall (install) on failure; passed as Helm 3\'s --atomic or Helm 4\'s --rollback-on-failure'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l logs -d 'Print hook pods\' log lines as they arrive'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l dry-run -d 'Show the plan and ask, but change nothing'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l no-cluster-record -d 'Record the run in the local audit log only, not in a Secret of type helm-hooks.io/run.v1 in the release\'s namespace'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -s n -l namespace -d 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l filter -d 'As Helm\'s: name=NAME runs only NAME, !name=NAME skips it (repeatable or comma-separated)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l timeout -d 'Time Helm waits for each hook' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l progress -d 'How to show progress' -r -f -a "auto\t'Bars on a terminal, plain lines otherwise'
bars\t''
plain\t''
none\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l junit -d 'Write a JUnit XML report of the test hooks to FILE (one testcase each, with its log tail)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l history-max -d 'Run objects kept per release in its namespace, the oldest deleted first (0: no limit)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l version -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l logs -d 'Print hook pods\' log lines as they arrive'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l no-cluster-record -d 'Record the run in the local audit log only, not in a Secret of type helm-hooks.io/run.v1 in the release\'s namespace'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -s n -l namespace -d 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l timeout -d 'Time Helm waits for each hook' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l progress -d 'How to show progress' -r -f -a "auto\t'Bars on a terminal, plain lines otherwise'
bars\t''
plain\t''
none\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l history-max -d 'Run objects kept per release in its namespace, the oldest deleted first (0: no limit)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l version -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -s y -l yes -d 'Go on without asking for confirmation'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l dry-run -d 'Show the plan, but change nothing'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l wait -d 'Wait for the chart\'s resources (restored or deleted) to be ready or gone (Helm 4: --wait=watcher)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l logs -d 'Print hook pods\' log lines as they arrive'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l no-cluster-record -d 'Record the run in the local audit log only, not in a Secret of type helm-hooks.io/run.v1 in the release\'s namespace'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -s n -l namespace -d 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l chart -d 'Where local hooks (helmfile.yaml, .helm-hooks.yaml) are read, as `helmfile destroy` reads them (default: the current directory)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l timeout -d 'Time Helm waits for each hook' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l progress -d 'How to show progress' -r -f -a "auto\t'Bars on a terminal, plain lines otherwise'
bars\t''
plain\t''
none\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l local-hook-timeout -d 'Time each local hook may run before it is killed' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l history-max -d 'Run objects kept per release in its namespace, the oldest deleted first (0: no limit)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l version -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -s y -l yes -d 'Go on without asking for confirmation'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l dry-run -d 'Show the plan, but change nothing'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l wait -d 'Wait for the chart\'s resources (restored or deleted) to be ready or gone (Helm 4: --wait=watcher)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l logs -d 'Print hook pods\' log lines as they arrive'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l no-cluster-record -d 'Record the run in the local audit log only, not in a Secret of type helm-hooks.io/run.v1 in the release\'s namespace'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l purge-history -d 'Delete the release\'s run objects from its namespace too (the local audit log keeps them)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand uninstall" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l hook -d 'Only runs in which this hook was planned (its name, or KIND/NAME); with --failed, runs in which it did not succeed' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l since -d 'Only runs started since: a duration back from now (2d, 3h) or a date (2026-01-31, RFC 3339)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l max -d 'Show the newest N runs (0: all), as `helm history --max` does; a line says how many older runs are not shown. With --stats: count the newest N' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l run -d 'Show one run in full: its id or a unique prefix of it' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
markdown\t'One run (`--run ID`) for a pull request or job summary, with a Mermaid Gantt of its hooks'"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l source -d 'Where runs are read from: this machine\'s audit log, the run objects in the namespace, or both (all: local alone, with a note, when the cluster does not answer within 3s)' -r -f -a "local\t''
cluster\t''
all\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -s n -l namespace -d 'Namespace of the release (Helm passes its -n as HELM_NAMESPACE)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l version -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l failed -d 'Only runs that failed or were interrupted'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l stats -d 'Per hook: runs, failures, median, p95 and slowest successful duration, and the trend of the last runs'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l rev -d 'Revision to lint: anything Git resolves, or WORKTREE (the working tree, uncommitted edits included)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l from -d 'Compare with this revision: findings it does not have are marked new, and resources it lacks are new (HH009 on pre-upgrade hooks)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l from-path -d 'The chart\'s directory at --from, when the chart moved since (default: CHART)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l release -d 'Release name used to render (Helm template\'s default: release-name)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -s f -l values -d 'Values file (repeatable). A file inside the repository is read at the same revision as the chart' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l set -d 'Set values on the command line (repeatable): key1=val1,key2=val2' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l set-string -d 'Set STRING values on the command line (repeatable)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l set-file -d 'Set values from files (repeatable): key=path' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l set-json -d 'Set JSON values on the command line (repeatable)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -s n -l namespace -d 'Namespace (Helm passes its -n as HELM_NAMESPACE)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l kube-version -d 'Kubernetes version used for Capabilities.KubeVersion' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -s a -l api-versions -d 'Kubernetes API versions used for Capabilities.APIVersions (repeatable)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l capabilities -d 'A cluster\'s capabilities (`helm hooks capabilities > FILE`): its Kubernetes version and API versions, for renders without the cluster (--kube-version and --api-versions add to it)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l ca-file -d 'Verify repositories\' TLS certificates with this CA bundle' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l timeout -d 'The --timeout Helm will run with (each hook wait): Job deadlines are checked against it' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
sarif\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l version -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l plain-http -d 'Fetch dependencies over plain HTTP (an OCI registry without TLS)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l insecure-skip-tls-verify -d 'Skip TLS certificate checks when fetching dependencies'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l strict -d 'Exit 1 on warnings too, not only on errors'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand lint" -s h -l help -d 'Print help'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand completion" -l version -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand completion" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand completion" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand completion" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand completion" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand completion" -s h -l help -d 'Print help'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand version" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand version" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand version" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand version" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand version" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand version" -s h -l help -d 'Print help'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand capabilities" -s o -l output -d 'Output format' -r -f -a "yaml\t''
json\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand capabilities" -s n -l namespace -d 'Namespace to connect with (discovery itself is cluster-wide)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand capabilities" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand capabilities" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand capabilities" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand capabilities" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand capabilities" -s h -l help -d 'Print help'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -l key -d 'Names the comment among others on the pull request (one per chart set), as a hidden marker `<!-- helm-hooks:KEY -->`' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -l mode -d 'update: one comment per key, edited in place; new: a new comment each run; off: none' -r -f -a "update\t'One comment per --key, edited in place on every run'
new\t'A new comment on every run'
off\t'No comment (nothing is read from the forge)'"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -l plan-exit-code -d 'The exit status of `plan --detailed-exitcode`: 0 says "no hook changes" (an earlier comment is updated to say so, none is created), 2 changes, anything else a failed plan' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -l forge -d 'The forge whose API is called (token: GITHUB_TOKEN; GITLAB_TOKEN or CI_JOB_TOKEN)' -r -f -a "auto\t'GitHub Actions (GITHUB_ACTIONS) or GitLab CI (GITLAB_CI), from the environment'
github\t''
gitlab\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -l pr -d 'The pull (merge) request\'s number (default: GITHUB_EVENT_PATH\'s pull request; CI_MERGE_REQUEST_IID)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -l details-url -d 'Where the full plan is, for the pointer of a comment cut below the forge\'s limit (default: the run\'s job summary on GitHub, CI_JOB_URL on GitLab)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -l kube-context -d 'Kube context to use (as `helm --kube-context`; Helm passes its own as HELM_KUBECONTEXT)' -r
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -l kubeconfig -d 'Kubeconfig file to use (as `helm --kubeconfig`; Helm passes its own as KUBECONFIG)' -r -F
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -l color -d 'When to colour the output: auto (a terminal, without NO_COLOR or TERM=dumb), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -l debug -d 'Print debug logs on stderr (Helm\'s --debug sets HELM_DEBUG for plugins)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand comment" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "plan" -d 'Show which hooks fire, in Helm\'s order, and what changed between two Git revisions'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "apply" -d 'Show the plan, confirm, run `helm upgrade --install` with live hook progress, and record each hook\'s outcome'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "test" -d 'Run `helm test` with live progress and pod logs for each test hook, record it, and write a JUnit report'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "rollback" -d 'Show the hooks stored in the revision Helm rolls back to, confirm, run `helm rollback`, and record it'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "uninstall" -d 'Show the release\'s stored delete hooks, confirm, run `helm uninstall`, and record it'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "history" -d 'List recorded hook runs, newest first, or show one run in full'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "lint" -d 'Check a revision\'s hooks for the traps Helm runs into without a word'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "completion" -d 'Print a completion script for standalone `helm-hooks` (through Helm, `helm completion` already covers `helm hooks`)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "version" -d 'Print the plugin\'s version (as `helm diff version` does)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "capabilities" -d 'Print the cluster\'s Kubernetes version and API versions, as Helm\'s install and upgrade see them, for offline plans (`plan --capabilities FILE`)'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "comment" -d 'Post a plan\'s markdown as the one comment of a pull request (GitHub) or merge request (GitLab) that each CI run updates'
complete -c helm-hooks -n "__fish_helm_hooks_using_subcommand help; and not __fish_seen_subcommand_from plan apply test rollback uninstall history lint completion version capabilities comment help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
