# Splits a command's --help text (System.CommandLine's layout) into tagged, tab-separated lines for the
# man page and completion generators, so that neither keeps a copy of any option:
#   usage<TAB>LINE   description<TAB>LINE   option<TAB>SPEC<TAB>TEXT   argument<TAB>SPEC<TAB>TEXT
# A section starts at an unindented "Title:" line. In Options/Arguments an entry is "  SPEC  TEXT"
# (two or more spaces between); a deeper-indented line without its own spec continues the entry
# before it (help wrapped to a terminal's width).
function flush() { if (kind != "") print kind "\t" spec "\t" text; kind = "" }
/^[A-Z][A-Za-z ]*:[ \t]*$/ { flush(); section = tolower(substr($0, 1, index($0, ":") - 1)); next }
/^[ \t]*$/ { next }
section == "usage" || section == "description" {
  line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line); print section "\t" line; next
}
section == "options" || section == "arguments" {
  line = $0; indent = match(line, /[^ ]/) - 1; sub(/^ +/, "", line); sub(/[ \t]+$/, "", line)
  if (kind != "" && indent > entryIndent) { text = text " " line; next }
  flush()
  kind = (section == "options") ? "option" : "argument"; entryIndent = indent
  if (match(line, /  +/)) { spec = substr(line, 1, RSTART - 1); text = substr(line, RSTART + RLENGTH) }
  else { spec = line; text = "" }
  next
}
END { flush() }
