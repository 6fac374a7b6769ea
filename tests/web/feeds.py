"""Feeds for the API tests: companies with tickers, an executive move, one text from two sources."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from finews.model import BEIJING

# recent, so the second source's report joins the first one's story (stories look back two weeks)
DAY0 = (datetime.now(BEIJING) - timedelta(days=6)).date()

RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>
<link>http://news.example.cn/</link><description>d</description>{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>http://{host}/a/{n}.html</link><guid>{host}-{n}</guid>
<category>{category}</category><pubDate>{day} 10:00:00</pubDate>
<description><![CDATA[{body}]]></description></item>"""

MOVE = (
    "<p>阿里巴巴副总裁、达摩院自动驾驶实验室负责人王刚已于去年8月离职，加盟字节跳动。</p>"
    "<p>知情人士称，王刚在阿里巴巴工作多年，负责自动驾驶研发。阿里巴巴(BABA)股价当日持平。</p>"
)
MOUTAI = (
    "<p>贵州茅台(600519.SH)发布年报，全年营业收入同比增长18%，净利润创历史新高。</p>"
    "<p>分析人士认为，贵州茅台的直销渠道占比继续提升，白酒行业整体回暖。</p>"
)
TENCENT = (
    "<p>腾讯控股(00700.HK)公布季度业绩，游戏业务收入增长，广告收入超出市场预期。</p>"
    "<p>腾讯控股表示将继续回购股份，并加大在人工智能领域的投入。</p>"
)

ALPHA = [
    (1, "阿里副总裁王刚离职加盟字节跳动", "tech", MOVE, 0),
    (2, "贵州茅台发布年报 净利润创新高", "finance", MOUTAI, 1),
    (3, "腾讯控股季度业绩超预期", "tech", TENCENT, 2),
]
BETA = [(7, "阿里副总裁王刚离职加盟字节跳动", "tech", MOVE, 3)]  # the same text: linked to alpha's report


def feed(name: str, host: str, items: list[tuple[int, str, str, str, int]]) -> bytes:
    body = "".join(
        ITEM.format(host=host, n=n, title=title, category=category, body=text, day=day_of(day).isoformat())
        for n, title, category, text, day in items
    )
    return RSS.format(name=name, items=body).encode("utf-8")


def day_of(offset: int) -> date:
    return DAY0 + timedelta(days=offset)
