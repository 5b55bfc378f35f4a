//! Rebuilds when the seed data changes: the binary embeds `seed/` as its default data, and
//! `include_dir!` does not tell cargo which files it read. Nothing here touches the network
//! or needs Node.js: the playground's files are committed in `playground/vendor/`.

fn main() {
    println!("cargo:rerun-if-changed=seed");
}
