"""Many small RSS feeds on several loopback hosts, and a finews.toml pointing workers at them."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from tests.loopback import LoopbackServer

# distinct enough that near-duplicate detection never links two generated items
_VOCABULARY = (
    "央行 降准 银行 利率 债券 股市 基金 保险 券商 期货 外汇 黄金 原油 煤炭 钢铁 有色 "
    "化工 医药 白酒 家电 汽车 电池 光伏 风电 芯片 半导体 手机 电脑 云计算 人工智能 大模型 "
    "机器人 无人机 卫星 航天 高铁 港口 物流 零售 电商 直播 游戏 影视 教育 地产 物业 建材 "
    "水泥 农业 猪肉 粮食 化肥 旅游 酒店 航空 机场 出口 进口 关税 汇率 通胀 就业 消费 "
    "投资 财政 税收 专项债 基建 城投 并购 重组 上市 退市 分红 回购 增持 减持 质押 业绩 "
    "预告 营收 利润 亏损 毛利 订单 产能 扩产 裁员 招聘 董事长 总经理 独董 监事 审计 问询 "
    "处罚 立案 诉讼 仲裁 专利 "
)
WORDS = _VOCABULARY.split()


class HostServer(LoopbackServer):
    """A :class:`LoopbackServer` on another loopback address (Linux routes all of 127/8 to lo).

    Politeness is per host name, so 127.0.0.2 is a host of its own for the workers' locks.
    """

    def __init__(self, address: str) -> None:
        super().__init__()
        handler = self.httpd.RequestHandlerClass
        self.httpd.server_close()
        self.httpd = type(self.httpd)((address, 0), handler)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.address = address

    def url(self, path: str = "/") -> str:
        return f"http://{self.address}:{self.port}{path}"


def item_url(source: int, item: int) -> str:
    return f"https://news.example.cn/{source}/{item}.html"


def rss(source: int, items: int, seed: int = 0) -> bytes:
    rng = random.Random(source * 1000 + seed)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>',
        f"<title>源{source}</title><link>https://news.example.cn/{source}/</link><description>测试</description>",
    ]
    for index in range(items):
        title = "".join(rng.sample(WORDS, 6))
        body = "，".join("".join(rng.sample(WORDS, 5)) for _ in range(8)) + "。"
        parts.append(
            f"<item><title>{escape(title)}</title><link>{item_url(source, index)}</link>"
            f"<guid>{item_url(source, index)}</guid>"
            f"<pubDate>Tue, 24 Nov 2026 {8 + index % 10:02d}:{index % 60:02d}:00 +0800</pubDate>"
            f"<description>{escape(body)}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def write_config(path: Path, sections: dict[str, dict], sources: list[dict]) -> Path:
    lines: list[str] = []
    for name, table in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
        lines.append("")
    for source in sources:
        lines.append("[[sources]]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in source.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
