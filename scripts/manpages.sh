#!/usr/bin/env bash
# Writes a man page per command into $2 (gzipped), generated from the binary itself: NAME from
# `metacheck --help`, SYNOPSIS, DESCRIPTION, OPTIONS and the help's examples from `<command> --help`
# (split by help-sections.awk), ENVIRONMENT, FILES and further examples from `metacheck --manual`.
# Nothing here repeats an option: change the definition and the page follows. Aliases (old names)
# are links to their command's page.
set -euo pipefail
bin=$1; out=$2
here=$(dirname "$0")
. "$here/layout.sh"
mkdir -p "$out"
version=$("$bin" --version | awk '{print $2}')
# The date of the last commit, so a rebuild of the same sources gives the same pages.
date=$(git -C "$here" log -1 --format=%cs 2>/dev/null || date -u +%Y-%m-%d)
subcommands="status history metrics reset forget prune mute unmute doctor"

# Names and one-line summaries from the Commands section of `metacheck --help`.
top_help=$("$bin" --help)
commands=$(awk '/^Commands:/ { on = 1; next } on && NF { print $1 }' <<<"$top_help")
summary() { awk -v n="$1" '/^Commands:/ { on = 1; next } on && $1 == n { $1 = ""; sub(/^ +/, ""); print; exit }' <<<"$top_help"; }

# roff text: escape backslashes, keep a leading dot or quote from being read as a request.
roff() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }
# An option spec ("-c, --count <c>"): names in bold with \- for each minus, placeholders in italics.
spec() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e 's/<\([^>]*\)>/\\fI\1\\fR/g' -e 's/\(^\|, \)\(\\-[^ ,]*\)/\1\\fB\2\\fR/g'; }
page_name() { case " $subcommands " in *" $1 "*) echo "metacheck-$1" ;; *) echo "$1" ;; esac; }
where() {
  case " $subcommands " in *" $1 "*) echo "/usr/bin/metacheck (a subcommand only: the name is too generic for a link)"; return ;; esac
  case " metacheck $path_names " in *" $1 "*) echo "/usr/bin/$1 (and /usr/$plugin_dir/$1)" ;; *) echo "/usr/$plugin_dir/$1" ;; esac
}
prefix_of() { case " $subcommands " in *" $1 "*) echo "metacheck " ;; esac; }

page() {
  local name=$1 help sections manual title
  if [ "$name" = metacheck ]; then help=$top_help; else help=$("$bin" "$name" --help); fi
  sections=$(awk -f "$here/help-sections.awk" <<<"$help")
  manual=$("$bin" --manual "$name")
  title=$(page_name "$name")
  {
    echo ".TH \"$(tr a-z A-Z <<<"$title")\" 1 \"$date\" \"metacheck $version\" \"MetaCheck\""
    echo ".SH NAME"
    if [ "$name" = metacheck ]; then
      echo "metacheck \\- meta-checkers and check plugins for Mackerel, Nagios/Icinga and Sensu"
    else
      echo "$title \\- $(summary "$name" | roff)"
    fi

    echo ".SH SYNOPSIS"
    echo ".nf"
    if [ "$name" = metacheck ]; then
      awk '/^Usage:/ { on = 1 } on && /^$/ { exit } on { sub(/^Usage: +/, ""); sub(/^ +/, ""); print }' <<<"$help" | roff
    else
      awk -F'\t' -v p="$(prefix_of "$name")" '$1 == "usage" { print p $2 }' <<<"$sections" | roff
      echo "$(prefix_of "$name")$name \\-\\-help | \\-\\-version"
    fi
    echo ".fi"

    echo ".SH DESCRIPTION"
    if [ "$name" = metacheck ]; then
      awk '/^Usage:/ { skip = 1 } skip && /^$/ { skip = 0; next } !skip && NR > 2 && !/^Commands:/ && !/^  [a-z]/' <<<"$help" | roff | sed 's/^$/.PP/' 
      echo ".PP"
      echo "Commands (each has its own page):"
      awk '/^Commands:/ { on = 1; next } on && NF { n = $1; $1 = ""; print ".TP\n.B " n "\n" substr($0, 2) }' <<<"$help"
    else
      # The help's "Example:" text goes to EXAMPLES; the rest is the description.
      awk -F'\t' '$1 == "description" { sub(/ *Example: .*/, "", $2); if ($2 != "") print $2 }' <<<"$sections" | roff
      echo ".PP"
      echo "Installed as $(where "$name")."
    fi

    if [ "$name" != metacheck ]; then
      echo ".SH OPTIONS"
      while IFS=$'\t' read -r kind s text; do
        case $kind in option|argument) printf '.TP\n%s\n%s\n' "$(spec <<<"$s")" "$(roff <<<"$text")" ;; esac
      done <<<"$sections"
    fi

    echo ".SH EXIT STATUS"
    echo "0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, as Nagios, Icinga, Sensu and mackerel-agent read them."
    echo "A usage error, a bad value, a missing file or command is UNKNOWN (3) with one line on standard output."
    echo "Metric plugins exit 0 once they printed their values. \\-\\-help and \\-\\-version exit 0."

    echo ".SH ENVIRONMENT"
    if grep -q '^env' <<<"$manual"; then
      while IFS=$'\t' read -r kind variable text; do
        if [ "$kind" = env ]; then printf '.TP\n.B %s\n%s\n' "$variable" "$(roff <<<"$text")"; fi
      done <<<"$manual"
    else
      echo "No variables of its own."
    fi

    echo ".SH FILES"
    echo ".TP"
    echo ".B $(where "$name" | sed 's/ .*//')"
    if [ "$name" = metacheck ]; then echo "The binary. It runs the command it is called by (the link's name) or named by its first argument."
    else echo "The metacheck binary, called by this command's name."; fi
    while IFS=$'\t' read -r kind path text; do
      if [ "$kind" = file ]; then printf '.TP\n.I %s\n%s\n' "$path" "$(roff <<<"$text")"; fi
    done <<<"$manual"
    local doc=$name; [ "$name" = history ] && doc=status # one page for both
    if [ -f "$here/../docs/$doc.md" ]; then
      echo ".TP"
      echo ".I /usr/share/doc/metacheck/docs/$doc.md"
      echo "The command's page: output, exit codes and differences from the original."
    fi

    echo ".SH EXAMPLES"
    { awk -F'\t' '$1 == "description" && /Example: / { sub(/.*Example: /, "", $2); n = split($2, e, /   +/); for (i = 1; i <= n; i++) print e[i] "\t" }' <<<"$sections"
      awk -F'\t' '$1 == "example" { print $2 "\t" $3 }' <<<"$manual"
    } | while IFS=$'\t' read -r line what; do
      echo ".PP"
      if [ -n "$what" ]; then roff <<<"$what"; fi
      printf '.nf\n.RS\n%s\n.RE\n.fi\n' "$(roff <<<"$line" | sed 's/-/\\-/g')"
    done

    echo ".SH SEE ALSO"
    local others=""
    if [ "$name" = metacheck ]; then
      for c in $commands; do others+="$(page_name "$c")(1), "; done
    else
      others="metacheck(1), "
      case " $path_names " in *" $name "*) for w in $path_names; do [ "$w" = "$name" ] || others+="$w(1), "; done; others+="metacheck-status(1), " ;; esac
    fi
    echo "${others%, }"
    echo ".PP"
    echo "/usr/share/doc/metacheck/README.md"
  } | gzip -9n >"$out/$title.1.gz"
}

page metacheck
for name in $commands; do page "$name"; done
# Old names: a link to the page of the command they run (its --help names it on the Usage line).
for name in $("$bin" --list); do
  grep -qx "$name" <<<"$commands" && continue
  target=$("$bin" "$name" --help | awk -f "$here/help-sections.awk" | awk -F'\t' '$1 == "usage" { split($2, w, " "); print w[1]; exit }')
  ln -sfn "$target.1.gz" "$out/$name.1.gz"
done
