//! The playground at `/`: GraphiQL, served from the binary with every file it loads, so it
//! works with no internet access.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Registers the playground's routes.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(page))
        .route("/playground/assets/{file}", web::get().to(asset));
}

/// A file the page loads.
struct Asset {
    /// Its name in `playground/vendor/`, and in the page's `/playground/assets/` URLs.
    file: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// Embeds a file of `playground/vendor/`.
macro_rules! asset {
    ($file:literal, $content_type:literal) => {
        Asset {
            file: $file,
            content_type: $content_type,
            bytes: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/playground/vendor/",
                $file
            )),
        }
    };
}

/// React 18 and GraphiQL 3, as pinned by `playground/package-lock.json` and committed in
/// `playground/vendor/` by `playground/refresh.sh`.
static ASSETS: [Asset; 4] = [
    asset!("react.production.min.js", "text/javascript; charset=utf-8"),
    asset!(
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("graphiql.min.js", "text/javascript; charset=utf-8"),
    asset!("graphiql.min.css", "text/css; charset=utf-8"),
];

/// The page as written: it names each asset as `/playground/assets/<file>`.
const TEMPLATE: &str = include_str!("playground.html");

/// The page and asset names, computed once.
struct Playground {
    /// The page, its asset URLs rewritten to the hashed names.
    html: String,
    /// The page's `Content-Security-Policy`.
    csp: String,
    /// Each asset under its URL name, `<stem>.<content hash>.<extension>`: a new version
    /// gets a new URL, which is what makes the immutable caching safe.
    assets: Vec<(String, &'static Asset)>,
}

static PLAYGROUND: LazyLock<Playground> = LazyLock::new(|| {
    let mut html = TEMPLATE.to_string();
    let assets: Vec<_> = ASSETS
        .iter()
        .map(|asset| {
            let hash = &crate::hex::encode(&Sha256::digest(asset.bytes))[..12];
            let (stem, extension) = asset
                .file
                .rsplit_once('.')
                .expect("an asset has an extension");
            let name = format!("{stem}.{hash}.{extension}");
            html = html.replace(
                &format!("\"/playground/assets/{}\"", asset.file),
                &format!("\"/playground/assets/{name}\""),
            );
            (name, asset)
        })
        .collect();
    // The page's one inline script is allowed by its hash; GraphiQL sets inline styles and
    // its CSS inlines its fonts and a few images as `data:` URLs.
    let script = Sha256::digest(inline_script(&html).as_bytes());
    let csp = format!(
        "default-src 'none'; script-src 'self' 'sha256-{}'; style-src 'self' 'unsafe-inline'; \
         font-src data:; img-src 'self' data:; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        base64::engine::general_purpose::STANDARD.encode(script)
    );
    Playground { html, csp, assets }
});

/// `GET /`: the GraphiQL page.
async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, PLAYGROUND.csp.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(PLAYGROUND.html.as_str())
}

/// `GET /playground/assets/{file}`: an asset under its hashed name, cached for good.
async fn asset(file: web::Path<String>) -> HttpResponse {
    match PLAYGROUND.assets.iter().find(|(name, _)| *name == *file) {
        Some((_, asset)) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(asset.bytes),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body(format!("no playground asset named {file:?}")),
    }
}

/// The text of the page's one `<script>` without attributes, which the CSP allows by hash.
fn inline_script(html: &str) -> &str {
    let start = html
        .find("<script>")
        .expect("the page has an inline <script>")
        + "<script>".len();
    let end = start
        + html[start..]
            .find("</script>")
            .expect("the inline <script> is closed");
    &html[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_asset_by_its_hashed_url_and_nothing_from_elsewhere() {
        let playground = &*PLAYGROUND;
        for (name, asset) in &playground.assets {
            assert!(!asset.bytes.is_empty(), "{} is empty", asset.file);
            let url = format!("\"/playground/assets/{name}\"");
            assert_eq!(
                playground.html.matches(&url).count(),
                1,
                "{url} in the page"
            );
        }
        assert_eq!(
            playground.html.matches("/playground/assets/").count(),
            ASSETS.len()
        );
        for external in ["src=\"http", "href=\"http", "//cdn", "@import"] {
            assert!(
                !playground.html.contains(external),
                "{external} in the page"
            );
        }
        assert_eq!(TEMPLATE.matches("<script>").count(), 1, "one inline script");
    }

    /// `playground/vendor/SHA256SUMS` lists every vendored file, and each file on disk and
    /// each embedded asset has the checksum it lists: a hand edit or a partial refresh fails.
    #[test]
    fn the_vendored_files_match_their_checksum_manifest() {
        let vendor = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playground/vendor");
        let manifest = std::fs::read_to_string(vendor.join("SHA256SUMS")).expect("SHA256SUMS");
        let listed: std::collections::BTreeMap<&str, &str> = manifest
            .lines()
            .map(|line| {
                let (sum, file) = line.split_once("  ").expect("`<sha256>  <file>` lines");
                (file, sum)
            })
            .collect();
        let mut on_disk = Vec::new();
        let mut dirs = vec![vendor.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("vendor is readable") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.file_name() != Some("SHA256SUMS".as_ref()) {
                    let name = path.strip_prefix(&vendor).expect("under vendor");
                    on_disk.push(name.to_str().expect("a UTF-8 name").to_string());
                }
            }
        }
        on_disk.sort();
        assert_eq!(
            on_disk,
            listed.keys().copied().collect::<Vec<_>>(),
            "the files of playground/vendor/ and those SHA256SUMS lists"
        );
        for (file, sum) in &listed {
            let bytes = std::fs::read(vendor.join(file)).expect("a listed file");
            assert_eq!(
                crate::hex::encode(&Sha256::digest(bytes)),
                *sum,
                "the checksum of {file}"
            );
        }
        for asset in &ASSETS {
            assert_eq!(
                crate::hex::encode(&Sha256::digest(asset.bytes)),
                listed[asset.file],
                "the embedded {}",
                asset.file
            );
        }
        assert!(
            listed.contains_key("licenses/graphiql.txt")
                && listed.contains_key("licenses/react.txt")
        );
    }

    #[test]
    fn the_policy_allows_the_inline_script_by_its_hash() {
        let script = inline_script(&PLAYGROUND.html);
        assert!(script.contains("GraphiQL.createFetcher({ url: \"/graphql\" })"));
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
        assert!(
            PLAYGROUND.csp.contains(&format!("'sha256-{hash}'")),
            "{}",
            PLAYGROUND.csp
        );
    }
}
