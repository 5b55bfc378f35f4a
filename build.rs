//! Rebuilds when the seed data changes (the binary embeds `seed/` as its default data), and
//! copies the playground's GraphiQL and React bundles, installed by npm from
//! `playground/package-lock.json`, into `OUT_DIR` for `include_bytes!`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// The files of `playground/node_modules` that `src/http/playground.rs` serves; each is
/// copied to `OUT_DIR` under its file name.
const ASSETS: [&str; 4] = [
    "graphiql/graphiql.min.js",
    "graphiql/graphiql.min.css",
    "react/umd/react.production.min.js",
    "react-dom/umd/react-dom.production.min.js",
];

fn main() {
    println!("cargo:rerun-if-changed=seed");
    println!("cargo:rerun-if-changed=playground/package-lock.json");

    let modules = Path::new("playground/node_modules");
    let missing = ASSETS.iter().any(|asset| !modules.join(asset).is_file());
    // npm writes `node_modules/.package-lock.json` on every install: an older one means
    // the lock file has changed since.
    let stale = modified(Path::new("playground/package-lock.json"))
        > modified(&modules.join(".package-lock.json"));
    if missing || stale {
        npm_ci();
    }

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for asset in ASSETS {
        let from = modules.join(asset);
        let to = out.join(from.file_name().expect("an asset is a file"));
        if let Err(e) = fs::copy(&from, &to) {
            panic!("cannot copy {} to {}: {e}", from.display(), to.display());
        }
    }
}

/// `npm ci` in `playground/`: installs exactly what `package-lock.json` pins.
fn npm_ci() {
    const WHAT: &str = "the playground assets (playground/node_modules) are missing or out of date";
    const RUN: &str = "run `npm ci --no-audit --no-fund` in playground/";
    // npm's stdout goes to stderr: cargo reads a build script's stdout for instructions.
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir("playground")
        .stdout(std::io::stderr())
        .status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("{WHAT} and `npm ci` in playground/ failed ({status}; its output is above)"),
        Err(e) => panic!("{WHAT} and npm is not installed ({e}): install Node.js and npm (apt-get install -y nodejs npm), or {RUN}"),
    }
}

/// When `path` was last modified; `None` if it does not exist.
fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}
