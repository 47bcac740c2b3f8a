#!/usr/bin/env bash
# ansible-test only runs from a path ending in ansible_collections/<namespace>/<name>:
# copy the tracked tree there and run sanity on plugins/ in ansible-test's own venvs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/ansible-test/ansible_collections/ecommerce/multicloud"
rm -rf "$dest" && mkdir -p "$dest"
cd "$root"
# Tracked and new (not ignored) files, as the next commit would have them.
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$dest/"
# The collections ours depends on must sit beside it: take the ones bundled with ansible.
bundled="$("$root/.venv/bin/python" -c 'import ansible_collections; print(list(ansible_collections.__path__)[0])')"
for namespace in amazon community google; do
  ln -sfn "$bundled/$namespace" "$(dirname "$(dirname "$dest")")/$namespace"
done
cd "$dest"
git init -q . && git add -A >/dev/null   # ansible-test lists files through git
# ansible-test bootstraps pip in its venvs with a script it downloads from a host that is
# unreachable offline; give it the stand-in under the cache name it looks for.
pip_version="$("$root/.venv/bin/python" -c 'from ansible_test._internal.python_requirements import PIP_VERSION; print(PIP_VERSION)' 2>/dev/null || echo 24.2)"
mkdir -p ~/.ansible/test/cache
cp "$root/scripts/offline_get_pip.py" ~/.ansible/test/cache/"get_pip_${pip_version//./_}.py"
exec "$root/.venv/bin/ansible-test" sanity --venv --python 3.11 --color no "$@" plugins/
