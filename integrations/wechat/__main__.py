"""Developer and deployer commands of the WeChat channel.

    python -m integrations.wechat install-menu [--file menu.json]
    python -m integrations.wechat simulate --url http://127.0.0.1:8000/wechat --openid oXXXX "你好"

Both read the WECHAT_* environment variables the gateway reads. install-menu takes the
access_token from the same shared store (REDIS_URL) as the gateway, so it does not
invalidate the token the gateway workers are using.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import httpx

from common.masking import configure_logging
from common.settings import load_settings
from common.store import create_store
from integrations.wechat.api import WeChatApi, WeChatApiError
from integrations.wechat.config import load_config
from integrations.wechat.menu import MENU_PATH, MenuError, load_menu
from integrations.wechat.simulator import Push, WeChatSimulator


async def install_menu(menu_file: Path) -> int:
    config = load_config()
    if not config.app_id or not config.app_secret:
        print("请先设置 WECHAT_APP_ID 和 WECHAT_APP_SECRET。", file=sys.stderr)
        return 2
    try:
        menu = load_menu(menu_file)
    except (MenuError, ValueError, OSError) as error:
        print(f"菜单文件有误：{error}", file=sys.stderr)
        return 2
    store = create_store(load_settings().redis_url)
    async with httpx.AsyncClient(timeout=config.api_timeout_seconds) as http:
        try:
            await WeChatApi(http, config, store).create_menu(menu.definition())
        except (WeChatApiError, httpx.HTTPError) as error:
            print(f"安装菜单失败：{error}", file=sys.stderr)
            return 1
        finally:
            await store.close()
    print(f"菜单已安装（{len(menu.clicks)} 个点击项）。")
    return 0


async def simulate(args: argparse.Namespace) -> int:
    config = load_config()
    if not config.token:
        print("请先设置 WECHAT_TOKEN（与网关相同）。", file=sys.stderr)
        return 2
    async with WeChatSimulator(
        args.url,
        config.token,
        app_id=config.app_id,
        encoding_aes_key=config.encoding_aes_key,
        safe_mode=False if args.plain else None,
    ) as simulator:
        push: Push
        if args.event:
            push = simulator.event(args.openid, args.event, args.key)
        else:
            push = simulator.text(args.openid, args.text or "你好")
        for attempt in range(1 + args.retries):
            reply = await simulator.push(push)
            label = "重试" if attempt else "回复"
            if reply.status_code != 200:
                print(f"{label}: HTTP {reply.status_code} {reply.body}")
            elif reply.text is not None:
                print(f"{label}:\n{reply.text}")
            else:
                print(f"{label}: {reply.body or '(空)'}（答案将通过客服消息送达）")
    return 0


def main(argv: list[str] | None = None) -> int:
    configure_logging(load_settings().log_level)
    parser = argparse.ArgumentParser(prog="python -m integrations.wechat")
    commands = parser.add_subparsers(dest="command", required=True)
    install = commands.add_parser("install-menu", help="install menu.json on the Official Account")
    install.add_argument("--file", type=Path, default=MENU_PATH)
    sim = commands.add_parser("simulate", help="push a message to /wechat as WeChat's servers would")
    sim.add_argument("--url", default="http://127.0.0.1:8000/wechat")
    sim.add_argument("--openid", default="oDemoZhangWei0001")
    sim.add_argument("--plain", action="store_true", help="plain mode even when an AES key is set")
    sim.add_argument("--event", help="an event instead of text: subscribe, unsubscribe, CLICK, VIEW")
    sim.add_argument("--key", help="EventKey, e.g. BILLS for a CLICK")
    sim.add_argument("--retries", type=int, default=0, help="send the same push again, as WeChat retries")
    sim.add_argument("text", nargs="?", help="the citizen's message")
    args = parser.parse_args(argv)
    if args.command == "install-menu":
        return asyncio.run(install_menu(args.file))
    return asyncio.run(simulate(args))


if __name__ == "__main__":
    sys.exit(main())
