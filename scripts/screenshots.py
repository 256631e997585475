"""Screenshots of portal pages in Debian's Chromium, for looking at them as a user would.

Usage: .venv/bin/python scripts/screenshots.py BASE_URL USERNAME OUT_DIR PATH [PATH …]
Signs in as USERNAME (demo password) and saves OUT_DIR/<name>-<width>.png for each
path at 1280 px and at a 390 px phone width.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def main(base: str, username: str, out: str, *paths: str) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for width, height in ((1280, 900), (390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{base}/accounts/login/")
            page.screenshot(path=out_dir / f"login-{width}.png", full_page=True)
            page.fill("#id_username", username)
            page.fill("#id_password", "demo-pass-123")
            page.click("button[type=submit]")
            for path in paths:
                page.goto(f"{base}{path}")
                name = path.strip("/").replace("/", "_") or "home"
                page.screenshot(path=out_dir / f"{username}-{name}-{width}.png", full_page=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
