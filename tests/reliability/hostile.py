"""A corpus of hostile feed documents, each as (name, body, content type), and a streaming server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RSS_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'


def rss(items: str, head: str = RSS_HEAD, doctype: str = "") -> bytes:
    return f'{head}{doctype}<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def item(
    title: str = "标题", link: str = "https://news.example.com/1", body: str = "<p>正文</p>", date: str = ""
) -> str:
    when = f"<pubDate>{date}</pubDate>" if date else ""
    return f"<item><title>{title}</title><link>{link}</link>{when}<description><![CDATA[{body}]]></description></item>"


SCRIPTS = '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:x">j</a>'


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10)
    ]
    return rss(item(title="&lol9;"), doctype=f"<!DOCTYPE rss [{''.join(entities)}]>")


def external_entity(secret_url: str) -> bytes:
    doctype = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "{secret_url}">]>'
    return rss(item(title="XXE &xxe; &net;", body="&xxe;"), doctype=doctype)


def nested_html(depth: int) -> str:
    return "<div>" * depth + "深" + "</div>" * depth


def corpus(secret_url: str) -> list[tuple[str, bytes, str]]:
    xml = "application/rss+xml"
    gbk_text = rss(item(title="贵州茅台公告", link="https://news.example.com/gbk")).decode()
    return [
        ("truncated", rss(item())[:-40], xml),
        ("garbage", b"\x00\x01\x02<<<>>>&&&\xff\xfe", xml),
        ("not_xml", b"<html><body>404 page</body></html>", "text/html"),
        ("empty", b"", xml),
        ("unclosed_tags", rss("<item><title>a<b>c</title><link>https://news.example.com/u</link></item>"), xml),
        ("billion_laughs", billion_laughs(), xml),
        ("external_entities", external_entity(secret_url), xml),
        ("invalid_utf8", rss(item(title="坏\xff字节")).replace("\xff".encode(), b"\xff\xfe\xc3"), xml),
        ("lying_charset_gbk_as_utf8", gbk_text.encode("gbk"), "application/rss+xml; charset=utf-8"),
        ("lying_charset_utf8_as_gbk", gbk_text.replace("utf-8", "gb2312").encode(), xml),
        ("unknown_charset", gbk_text.replace("utf-8", "x-no-such-charset").encode(), xml),
        ("nested_html", rss(item(body=nested_html(50_000), link="https://news.example.com/deep")), xml),
        ("huge_title", rss(item(title="长" * (10 * 1024 * 1024 // 3), link="https://news.example.com/big")), xml),
        ("year_9999", rss(item(date="Fri, 31 Dec 9999 23:59:59 +0000", link="https://news.example.com/9999")), xml),
        ("year_0", rss(item(date="0000-01-01T00:00:00Z", link="https://news.example.com/0")), xml),
        ("year_10000", rss(item(date="10000-01-01T00:00:00Z", link="https://news.example.com/10000")), xml),
        (
            "control_chars",
            rss(item(title="控\x01制\x1b[31m字符\x7f", body="<p>a\x00b\x0bc</p>", link="https://news.example.com/ctl")),
            xml,
        ),
        ("script_body", rss(item(body=SCRIPTS, link="https://news.example.com/xss")), xml),
        (
            "json_bomb",
            b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "application/feed+json",
        ),
        (
            "link_schemes",
            rss(item(link="javascript:alert(1)") + item(link="file:///etc/passwd") + item(link="http://[::1")),
            xml,
        ),
    ]


class _Streaming(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        chunk = b"<!-- " + b"x" * 65_000 + b" -->"
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        try:
            if self.path == "/gigabyte":  # announces 1 GB, then sends it for as long as the client reads
                self.send_header("Content-Length", str(1 << 30))
                self.end_headers()
                for _ in range((1 << 30) // len(chunk)):
                    self.wfile.write(chunk)
            else:  # chunked and endless
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(RSS_HEAD), RSS_HEAD.encode()))
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading at its cap: what should happen

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def streaming_server() -> Iterator[str]:
    """``/gigabyte`` (Content-Length: 1 GB) and ``/endless`` (chunked, never ends) on 127.0.0.1."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Streaming)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
