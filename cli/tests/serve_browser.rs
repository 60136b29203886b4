//! `fasterapi serve`'s `/demo.html` in headless Chromium (Debian `chromium`, from
//! `scripts/debian-packages.txt`): the page's WebSocket echo and EventSource events arrive,
//! and it posts what it saw to `/demo-result`, which the server prints. Over TLS in
//! `serve_tls.rs`.

mod serve_support;

use serve_support::{Server, assert_demo_result, both_runtimes, demo_page};

both_runtimes!(demo_page_in_headless_chromium,);

fn demo_page_in_headless_chromium(runtime: &str) {
    let server = Server::start_on(runtime);
    assert_demo_result(&demo_page(&server, &[]));
}
