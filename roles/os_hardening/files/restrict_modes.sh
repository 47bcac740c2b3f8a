#!/bin/sh
# restrict_modes.sh check|apply PATH:MODE:OWNER:GROUP ...
# For each existing PATH: set OWNER:GROUP, and remove every permission bit that MODE does not
# grant (MODE is the most permissive mode allowed; a stricter file is left as it is).
# Prints "changed PATH old -> new" per file it changes (or would change, with `check`).
set -eu
action="$1"; shift
for spec in "$@"; do
  path="${spec%%:*}"; rest="${spec#*:}"
  mode="${rest%%:*}"; rest="${rest#*:}"
  owner="${rest%%:*}"; group="${rest#*:}"
  [ -e "$path" ] || continue
  current="$(stat -c '%a %U %G' "$path")"
  cur_mode="${current%% *}"
  new_mode="$(printf '%o' $(( 0$cur_mode & 0$mode )))"
  wanted="$new_mode $owner $group"
  if [ "$(printf '%o' $(( 0$cur_mode )))" != "$new_mode" ] || [ "${current#* }" != "$owner $group" ]; then
    if [ "$action" = apply ]; then
      chown "$owner:$group" "$path"
      chmod "$new_mode" "$path"
    fi
    echo "changed $path $current -> $wanted"
  fi
done
