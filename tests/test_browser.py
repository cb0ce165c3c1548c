"""What a reader sees: every page of the built book, opened in a real headless browser.

The static HTML checks (tests/test_book.py) cannot see what JavaScript does: whether mermaid drew
the diagrams, at what size their labels end up, whether MathJax typeset the formulas with no
network, whether a code block is wider than the column, whether a quiz answer is visible before
its click. This test serves the built book on loopback (ES modules do not load from file://) and
opens every page in Debian's Chromium, driven by Selenium with the system chromedriver.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator

import pytest

from bdp.book import Build

WIDTH, HEIGHT = 1280, 900
PHONE_WIDTH = 390  # a current phone's CSS width (iPhone 15/16: 390-393 px)
MIN_LABEL_PX = 10          # smallest readable diagram label, in CSS pixels on screen
MAX_OUTPUT_PX = 2000       # a cell output taller than two screens is trimmed or scrolls in its box
RENDER_TIMEOUT_S = 30

# Console messages that are not the book's: each with the reason it is accepted.
CONSOLE_NOISE = {
    # sphinx-thebe (pulled in by Jupyter Book 1 even with thebe off) declares this constant in
    # two inline scripts; reproduced on a one-page default Jupyter Book 1.0.4 (UX review, item 13)
    "Identifier 'THEBE_JS_URL' has already been declared": "upstream sphinx-thebe",
    # pydata-sphinx-theme resets an unset theme mode on a first visit (harmless, upstream)
    "Got invalid theme mode": "upstream pydata-sphinx-theme",
}

PAGE_PROBE = """
const out = {mermaid: [], wide: [], tall: [], images: [], answers: [], math: []};
document.querySelectorAll('pre.mermaid').forEach((pre, i) => {
  const svg = pre.querySelector('svg');
  if (!svg) { out.mermaid.push(`diagram ${i + 1} was not drawn`); return; }
  let smallest = Infinity;
  svg.querySelectorAll('.nodeLabel, .edgeLabel, text, .cluster-label').forEach(el => {
    const text = (el.textContent || '').trim();
    const r = el.getBoundingClientRect();
    if (!text || r.height === 0) return;
    const size = parseFloat(getComputedStyle(el).fontSize) || 16;
    const vb = svg.viewBox && svg.viewBox.baseVal;
    const scale = vb && vb.width ? svg.getBoundingClientRect().width / vb.width : 1;
    smallest = Math.min(smallest, size * scale);
  });
  if (smallest < %(min_px)s) out.mermaid.push(`diagram ${i + 1}: labels ${smallest.toFixed(1)} px`);
  const nodes = [...svg.querySelectorAll('g.node')].map(n => n.getBoundingClientRect());
  svg.querySelectorAll('g.cluster .cluster-label').forEach(label => {
    const l = label.getBoundingClientRect();
    const hit = nodes.some(n => Math.min(l.right, n.right) - Math.max(l.left, n.left) > 1
                             && Math.min(l.bottom, n.bottom) - Math.max(l.top, n.top) > 1);
    if (hit) out.mermaid.push(`diagram ${i + 1}: the title "${label.textContent.trim()}" covers a node`);
  });
});
const column = document.querySelector('article.bd-article') || document.body;
column.querySelectorAll('div.highlight pre, div.cell_output pre, div.output pre').forEach(pre => {
  if (pre.closest('pre.mermaid') || pre.offsetParent === null) return;
  if (pre.scrollWidth > pre.clientWidth + 2) {
    const first = (pre.textContent || '').split('\\n').find(l => l.length > 80) || '';
    out.wide.push(`${pre.scrollWidth}px in ${pre.clientWidth}px: ${first.slice(0, 90)}`);
  }
});
column.querySelectorAll('div.cell_output').forEach(box => {
  const h = box.getBoundingClientRect().height;
  if (box.offsetParent !== null && h > %(max_output_px)s)
    out.tall.push(`${Math.round(h)} px: ${(box.textContent || '').trim().slice(0, 70)}`);
});
document.querySelectorAll('img').forEach(img => {
  if (img.complete && img.naturalWidth === 0) out.images.push(img.getAttribute('src'));
});
document.querySelectorAll('div.admonition.quiz div.admonition.dropdown').forEach((box, i) => {
  const body = [...box.children].filter(c => !c.classList.contains('admonition-title'));
  if (body.some(c => c.offsetParent !== null && c.getBoundingClientRect().height > 0))
    out.answers.push(`quiz ${i + 1}`);
});
document.querySelectorAll('span.math, div.math').forEach((m, i) => {
  if (!m.querySelector('mjx-container')) out.math.push((m.textContent || '').slice(0, 60));
});
return out;
"""

WAIT_RENDERED = """
const done = [...document.querySelectorAll('pre.mermaid')].every(p => p.querySelector('svg'));
const math = [...document.querySelectorAll('span.math, div.math')]
  .every(m => m.querySelector('mjx-container'));
return done && math && document.readyState === 'complete' && document.fonts.status === 'loaded';
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # no request log on the test output
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the browser closing a connection early (favicon, aborted fetch) is not a finding


@pytest.fixture(scope="module")
def site(book: Build) -> Iterator[str]:
    """The built HTML served on an ephemeral loopback port."""
    handler = functools.partial(_Quiet, directory=str(book.html))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail("the browser test needs Debian's chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver; .ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-dev-shm-usage",
                 f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _pages(book: Build) -> list[str]:
    return sorted(p.relative_to(book.html).as_posix() for p in book.html.rglob("*.html")
                  if not {"_static", "_sources", "_images"} & set(p.parts)
                  and p.name not in {"genindex.html", "search.html"})


def test_every_page_reads_well_in_a_browser(book: Build, site: str, browser) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    problems: list[str] = []
    pages = _pages(book)
    assert "intro.html" in pages and len(pages) > 2, pages
    for page in pages:
        browser.get(f"{site}/{page}")
        try:
            WebDriverWait(browser, RENDER_TIMEOUT_S).until(lambda d: d.execute_script(WAIT_RENDERED))
        except Exception:  # reported below as undrawn diagrams / untypeset math
            pass
        found = browser.execute_script(PAGE_PROBE % {"min_px": MIN_LABEL_PX,
                                                       "max_output_px": MAX_OUTPUT_PX})
        for kind, items in found.items():
            problems += [f"{page}: {kind}: {item}" for item in items]
        for entry in browser.get_log("browser"):
            message = entry.get("message", "")
            if entry.get("level") == "SEVERE" and not any(n in message for n in CONSOLE_NOISE):
                problems.append(f"{page}: console: {message[:200]}")
    assert not problems, f"{len(problems)} problems a reader would see:\n" + "\n".join(problems[:80])


def test_no_page_scrolls_sideways_on_a_phone(book: Build, site: str, browser) -> None:
    """At a phone's width (390 px CSS) the page itself never scrolls sideways: wide code cells,
    tables and diagrams scroll inside their own box, and inline code wraps."""
    from selenium.webdriver.support.ui import WebDriverWait

    width = """const de = document.documentElement;
               return [de.scrollWidth, de.clientWidth];"""
    wide = []
    browser.set_window_size(PHONE_WIDTH, 844)
    try:
        for page in _pages(book):
            browser.get(f"{site}/{page}")
            try:
                WebDriverWait(browser, RENDER_TIMEOUT_S).until(
                    lambda d: d.execute_script(WAIT_RENDERED))
            except Exception:  # undrawn diagrams are the other test's finding
                pass
            scroll, client = browser.execute_script(width)
            if scroll > client + 1:
                wide.append(f"{page}: {scroll} px of content in a {client} px window")
    finally:
        browser.set_window_size(WIDTH, HEIGHT)
    assert not wide, "pages that scroll sideways on a phone:\n" + "\n".join(wide)


SEARCH_PROBE = """
const seen = el => { const r = el.getBoundingClientRect();
                     return el.offsetParent !== null && r.width > 0 && r.height > 0; };
const header = document.querySelector('header.bd-header');
return {header: header ? header.getBoundingClientRect().height : 0,
        search: [...document.querySelectorAll('.search-button-field, button.search-button')]
                  .filter(seen).length};
"""


def test_one_search_control_and_no_empty_header_strip(book: Build, site: str, browser) -> None:
    """At every width the reader sees exactly one way to search, and no header strip whose only
    content repeats the sidebar's search field."""
    found = {}
    try:
        for width in (WIDTH, 1000, 900, PHONE_WIDTH):
            browser.set_window_size(width, HEIGHT)
            browser.get(f"{site}/intro.html")
            found[width] = browser.execute_script(SEARCH_PROBE)
    finally:
        browser.set_window_size(WIDTH, HEIGHT)
    assert all(f["search"] == 1 for f in found.values()), found
    assert all(f["header"] == 0 for f in found.values()), found


# Every interactive (Bokeh) plot: a standalone page in a frame (bokeh.embed.file_html), drawn
# by its own inline BokehJS; what each one shows, measured in the reader's browser.
BOKEH_PROBE = """
const column = (document.querySelector('article.bd-article') || document.body).getBoundingClientRect();
return [...document.querySelectorAll('iframe[srcdoc]')].filter(f => f.srcdoc.includes('Bokeh'))
  .map(frame => {
    const doc = frame.contentDocument, r = frame.getBoundingClientRect();
    let canvases = 0;
    const walk = node => node.querySelectorAll('*').forEach(el => {
      if (el.tagName === 'CANVAS' && el.width > 0 && el.height > 0) canvases++;
      if (el.shadowRoot) walk(el.shadowRoot);
    });
    if (doc) walk(doc);
    return {drawn: !!(frame.contentWindow && frame.contentWindow.Bokeh) && canvases > 0,
            inside: r.left >= column.left - 1 && r.right <= column.right + 1 && r.height > 100,
            scrolls: !!doc && doc.documentElement.scrollWidth > doc.documentElement.clientWidth + 1,
            size: `${Math.round(r.width)}x${Math.round(r.height)} px, column ${Math.round(column.width)} px`};
  });
"""


def test_interactive_plots_draw_inside_the_column(book: Build, site: str, browser) -> None:
    """Each Bokeh plot is drawn (BokehJS ran, its canvases have a size), fits the text column
    and does not scroll sideways inside its frame, on a desktop and on a phone. JavaScript errors
    inside the frames reach the console log that the first test of this file reads."""
    from selenium.webdriver.support.ui import WebDriverWait

    pages = [p for p in _pages(book)
             if "iframe" in (html := (book.html / p).read_text(encoding="utf-8")) and "Bokeh" in html]
    assert "day3/21_python_ecosystem.html" in pages, pages
    problems = []
    try:
        for width, height in ((WIDTH, HEIGHT), (PHONE_WIDTH, 844)):
            browser.set_window_size(width, height)
            for page in pages:
                browser.get(f"{site}/{page}")
                try:
                    WebDriverWait(browser, RENDER_TIMEOUT_S).until(
                        lambda d: (found := d.execute_script(BOKEH_PROBE))
                        and all(p["drawn"] for p in found))
                except Exception:  # reported below
                    pass
                found = browser.execute_script(BOKEH_PROBE)
                if not found:
                    problems.append(f"{page} at {width} px: no Bokeh frame")
                for number, plot in enumerate(found, 1):
                    where = f"{page} at {width} px, plot {number} ({plot['size']})"
                    if not plot["drawn"]:
                        problems.append(f"{where}: not drawn")
                    if not plot["inside"]:
                        problems.append(f"{where}: outside the text column, or under 100 px high")
                    if plot["scrolls"]:
                        problems.append(f"{where}: scrolls sideways in its frame")
    finally:
        browser.set_window_size(WIDTH, HEIGHT)
    assert not problems, "\n".join(problems)


def test_vendored_scripts_are_complete() -> None:
    """The offline diagram and formula renderers ship whole (a missing chunk breaks every page)."""
    import re

    from bdp.book import ROOT

    vendor = ROOT / "_static" / "vendor"
    mermaid = vendor / "mermaid-11.4.1"
    modules = [mermaid / "mermaid.esm.min.mjs", *mermaid.glob("chunks/**/*.mjs")]
    missing = []
    for module in modules:
        for ref in re.findall(r'from\s*["\'](\.{1,2}/[^"\']+\.mjs)["\']|import\(["\'](\.{1,2}/[^"\']+\.mjs)["\']\)',
                              module.read_text()):
            target = (module.parent / (ref[0] or ref[1])).resolve()
            if not target.is_file():
                missing.append(f"{module.name} -> {ref[0] or ref[1]}")
    assert len(modules) > 50 and not missing, missing[:10]
    assert (vendor / "mathjax-3.2.2" / "tex-chtml.mjs").stat().st_size > 500_000
    fonts = list((vendor / "mathjax-3.2.2" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert len(fonts) > 10
    assert "MIT License" in (mermaid / "LICENSE").read_text()
    assert "Apache License" in (vendor / "mathjax-3.2.2" / "LICENSE").read_text()
