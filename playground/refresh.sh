#!/usr/bin/env bash
# Refreshes playground/vendor/ from the npm versions pinned by package-lock.json: the four
# files the binary embeds, the license of every package installed with them (the GraphiQL
# bundle includes its dependencies), and SHA256SUMS, which a test checks. Needs Node.js and
# npm; building wic-gql does not. Run it after changing package.json, and commit the result.
set -euo pipefail
cd "$(dirname "$0")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp package.json package-lock.json "$work/"
(cd "$work" && npm ci --no-audit --no-fund --ignore-scripts >&2)
modules="$work/node_modules"

rm -rf vendor
mkdir -p vendor/licenses
cp "$modules/graphiql/graphiql.min.js" "$modules/graphiql/graphiql.min.css" \
   "$modules/react/umd/react.production.min.js" \
   "$modules/react-dom/umd/react-dom.production.min.js" vendor/

# One license file per installed package, named after its path in node_modules ("@scope/name" as
# "scope__name");
# INDEX lists each package, its version and license, and says when it ships no license file.
index=vendor/licenses/INDEX
echo "# package version license file (written by playground/refresh.sh)" > "$index"
find "$modules" -name package.json -printf '%h\n' | sort | while read -r dir; do
  read -r name version license < <(node -e '
    const p = require(process.argv[1]);
    if (p.name && p.version) console.log(p.name, p.version, p.license || "UNKNOWN");
  ' "$dir/package.json") || continue
  # A package.json in a package's subfolder is not a package; one in a nested
  # node_modules is another version, named by its path ("a/node_modules/b").
  [[ "$dir" == */node_modules/"$name" ]] || continue
  path="${dir#"$modules"/}"
  file="$(find "$dir" -maxdepth 1 -type f -iregex '.*/\(license\|licence\|copying\)[^/]*' | sort | head -1)"
  if [ -n "$file" ]; then
    target="${path//\//__}.txt"
    target="${target#@}"
    cp "$file" "vendor/licenses/$target"
    echo "$path $version $license $target" >> "$index"
  else
    echo "$path $version $license (the package ships no license file)" >> "$index"
  fi
done

(cd vendor && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort \
  | xargs sha256sum > SHA256SUMS)
echo "playground/vendor/ refreshed: $(wc -l < vendor/SHA256SUMS) files" >&2
