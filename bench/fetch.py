"""Fetch benchmark: 200 sources × 50 items on a local server, fetched twice.

Each feed is an RSS file built from real cnBeta items (``../shared/corpora/feeds/niles/``),
served with ETag and Last-Modified by a threaded server on 127.0.0.1. The first pass downloads
and ingests everything; the second pass must cost only conditional requests.
Prints wall time, requests, bytes, 200/304 answers per pass. Target: the second pass makes
0 full downloads of unchanged feeds.

    python bench/fetch.py [--sources 200] [--items 50] [--workers 16]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from finews.config import config_from_dict
from finews.pipeline import fetch_all
from finews.store import open_archive

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpora/feeds/niles/items_cnbeta.jsonl"


def build_feeds(items: list[dict], sources: int, per_feed: int) -> dict[str, bytes]:
    feeds = {}
    for s in range(sources):
        entries = []
        for i in range(per_feed):
            item = items[(s * per_feed + i) % len(items)]
            link = f"{item['link']}?feed={s}&n={i}#x"  # distinct per feed: every item is new on the first pass
            entries.append(
                f"<item><title>{escape(item['title'])}</title><link>{escape(link)}</link>"
                f"<guid>{escape(link)}</guid><pubDate>{escape(item['pubDate'])}</pubDate>"
                f"<description>{escape(item.get('description') or '')}</description></item>"
            )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>feed {s}</title><link>http://127.0.0.1/</link><description>bench</description>"
            + "".join(entries)
            + "</channel></rss>"
        )
        feeds[f"/feed/{s}.xml"] = body.encode("utf-8")
    return feeds


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.full = 0
        self.not_modified = 0
        self.bytes = 0


def serve(feeds: dict[str, bytes], counter: Counter) -> ThreadingHTTPServer:
    stamp = format_datetime(datetime(2022, 1, 5, tzinfo=UTC), usegmt=True)
    etags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in feeds.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = feeds.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etags[self.path]:
                with counter.lock:
                    counter.not_modified += 1
                self.send_response(304)
                self.send_header("ETag", etags[self.path])
                self.end_headers()
                return
            with counter.lock:
                counter.full += 1
                counter.bytes += len(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etags[self.path])
            self.send_header("Last-Modified", stamp)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jsonl", type=Path, default=Path(os.environ.get("FINEWS_CNBETA", DEFAULT)))
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    if not args.jsonl.exists():
        print(f"missing corpus: {args.jsonl}", file=sys.stderr)
        return 2
    items = [json.loads(line) for line in args.jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    feeds = build_feeds(items, args.sources, args.items)
    counter = Counter()
    httpd = serve(feeds, counter)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    print(f"{args.sources} sources × {args.items} items, {sum(map(len, feeds.values())) / 1e6:.1f} MB of feeds")
    with tempfile.TemporaryDirectory() as tmp:
        config = config_from_dict(
            {
                "storage": {"path": "bench.db"},
                # one local host stands for many: lift the per-host limits the real web needs
                "fetch": {"workers": args.workers, "per_host": args.workers, "host_interval": 0, "allow_private": True},
                "sources": [{"name": f"s{n}", "url": f"{base}/feed/{n}.xml"} for n in range(args.sources)],
            },
            base_dir=Path(tmp),
        )
        with open_archive(config.database_path) as archive:
            for label in ("first pass", "second pass"):
                full, not_modified, sent = counter.full, counter.not_modified, counter.bytes
                started = time.perf_counter()
                report = fetch_all(config, archive)
                wall = time.perf_counter() - started
                failed = len(report.failed)
                print(
                    f"{label:12}: {wall:6.2f} s wall, {counter.full - full + counter.not_modified - not_modified} "
                    f"requests, {counter.full - full} full downloads, {counter.not_modified - not_modified} "
                    f"not modified (304), {(counter.bytes - sent) / 1e6:.1f} MB, {report.added} new, "
                    f"{failed} failed"
                )
            saved = counter.not_modified
            print(f"requests saved by conditional GET on the second pass: {saved} of {args.sources} "
                  f"(target: 0 full downloads of unchanged feeds)")  # fmt: skip
            print(f"archive: {archive.count()} articles")
    httpd.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
