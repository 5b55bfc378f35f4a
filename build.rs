//! Rebuilds when the seed data changes: the binary embeds `seed/` as its default data.

fn main() {
    println!("cargo:rerun-if-changed=seed");
}
