"""Complete Authorization Code + PKCE flows, driven headlessly with httpx, against either server.

One flow is a fresh user agent: authorize → sign in → consent → redirect with `code` (captured,
not followed) → token request with the verifier (HTTP Basic, the confidential `playground-web`
client). Our server's interaction is read as JSON and posted as its HTML form would be; node
oidc-provider's devInteractions pages are read as HTML. The same code drives both servers, so
the ratio compares the servers, not the drivers.

    python benchmarks/flows.py ISSUER --kind playground|oidc-provider --mode flows --seconds 5
    python benchmarks/flows.py ISSUER --kind ... --mode mint --count 2000 --out codes.json

`flows` prints {"flows", "seconds", "per_second", "cpu"}; `mint` writes the codes (stopping
before the token request) plus one refresh token, and prints a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import html
import json
import re
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SCOPE, WEB_CLIENT, WEB_REDIRECT, WEB_SECRET, playground_form

CONCURRENCY = 8
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
FORM_PROMPT = re.compile(r'name="prompt" value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Driver:
    def __init__(self, issuer: str, kind: str) -> None:
        self.issuer = issuer
        self.kind = kind
        self.authorize = ""
        self.token = ""

    async def discover(self, client: httpx.AsyncClient) -> None:
        meta = (await client.get(f"{self.issuer}/.well-known/openid-configuration")).json()
        self.authorize = meta["authorization_endpoint"]
        self.token = meta["token_endpoint"]

    async def code(self, client: httpx.AsyncClient) -> tuple[str, str]:
        """Walk one authorization as a fresh user agent; returns (code, verifier)."""
        client.cookies.clear()
        verifier, challenge = pkce()
        query = {"response_type": "code", "client_id": WEB_CLIENT, "redirect_uri": WEB_REDIRECT,
                 "scope": SCOPE, "state": secrets.token_urlsafe(8), "prompt": "consent",
                 "nonce": secrets.token_urlsafe(8), "code_challenge": challenge,
                 "code_challenge_method": "S256"}
        url, form = f"{self.authorize}?{urlencode(query)}", None
        for _ in range(12):
            if url.startswith(WEB_REDIRECT):
                params = dict(parse_qsl(urlsplit(url).query))
                if "code" not in params:
                    raise RuntimeError(f"no code in {url}")
                return params["code"], verifier
            response = await (client.post(url, content=urlencode(form), headers=FORM)
                              if form is not None else client.get(url))
            if response.is_redirect:
                url, form = urljoin(url, response.headers["location"]), None
            else:
                url, form = self._form(response)
        raise RuntimeError("no redirect to the client after 12 hops")

    def _form(self, response: httpx.Response) -> tuple[str, list[tuple[str, str]]]:
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
        if self.kind == "playground":
            return playground_form(response.json(), str(response.url))
        page = response.text
        action, prompt = FORM_ACTION.search(page), FORM_PROMPT.search(page)
        if not action or not prompt:
            raise RuntimeError(f"unexpected page: {page[:200]}")
        fields = [("prompt", prompt.group(1))]
        if prompt.group(1) == "login":
            fields += [("login", "alice"), ("password", "any")]
        return urljoin(str(response.url), html.unescape(action.group(1))), fields

    async def redeem(self, client: httpx.AsyncClient, code: str, verifier: str) -> dict:  # type: ignore[type-arg]
        response = await client.post(self.token, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
            "code_verifier": verifier}, auth=(WEB_CLIENT, WEB_SECRET))
        if response.status_code != 200:
            raise RuntimeError(f"token HTTP {response.status_code}: {response.text[:200]}")
        return response.json()  # type: ignore[no-any-return]


def new_client() -> httpx.AsyncClient:
    headers = {"Accept": "application/json, text/html;q=0.9"}
    return httpx.AsyncClient(follow_redirects=False, timeout=10, headers=headers)


async def run_flows(driver: Driver, seconds: float, limit: int) -> dict[str, float]:
    done = 0
    deadline = 0.0

    async def worker() -> None:
        nonlocal done
        async with new_client() as client:
            while time.perf_counter() < deadline and done < limit:
                code, verifier = await driver.code(client)
                tokens = await driver.redeem(client, code, verifier)
                assert tokens["id_token"] and tokens["access_token"]
                done += 1

    async with new_client() as client:
        await driver.discover(client)
        deadline = time.perf_counter() + 0.5  # warm-up: connections, first-use paths
        for _ in range(2):
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        warmup, done = done, 0
    cpu0, start = time.process_time(), time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    return {"flows": done, "warmup_flows": warmup, "seconds": elapsed,
            "per_second": done / elapsed,
            "driver_cpu": (time.process_time() - cpu0) / elapsed}


async def mint(driver: Driver, count: int) -> dict[str, object]:
    codes: list[tuple[str, str]] = []

    async def worker() -> None:
        async with new_client() as client:
            while len(codes) < count:
                codes.append(await driver.code(client))

    async with new_client() as client:
        await driver.discover(client)
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - start
        code, verifier = codes.pop()
        refresh = (await driver.redeem(client, code, verifier))["refresh_token"]
    return {"token_endpoint": driver.token, "codes": codes[:count - 1], "refresh_token": refresh,
            "mint_seconds": elapsed, "redirect_uri": WEB_REDIRECT}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("issuer")
    parser.add_argument("--kind", choices=["playground", "oidc-provider"], required=True)
    parser.add_argument("--mode", choices=["flows", "mint"], default="flows")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    driver = Driver(args.issuer.rstrip("/"), args.kind)
    if args.mode == "flows":
        print(json.dumps(asyncio.run(run_flows(driver, args.seconds, args.count))))
        return 0
    minted = asyncio.run(mint(driver, args.count))
    assert args.out is not None
    args.out.write_text(json.dumps(minted))
    print(json.dumps({"codes": len(minted["codes"]),  # type: ignore[arg-type]
                      "mint_seconds": minted["mint_seconds"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
