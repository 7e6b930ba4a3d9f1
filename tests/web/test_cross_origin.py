"""In Chromium: a page from another origin (another port of 127.0.0.1, or a DNS name rebound
to 127.0.0.1) can neither read nor change anything, in a browser that is logged in to the
dashboard, with the generated token and with a configured one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, Server, chromium, new_page, running_server

ATTACK = """<!doctype html><meta charset="utf-8"><title>elsewhere</title>
<form id="form" method="POST" target="sink" enctype="text/plain"
      action="CCO/api/tasks/TASK/cancel"><input name='{"a":' value='1}'></form>
<iframe name="sink"></iframe>
<script>
const cco = 'CCO', ws = cco.replace('http', 'ws');
window.results = {messages: [], opened: [], reads: []};
function socket(path) {
  return new Promise((done) => {
    const s = new WebSocket(ws + path);
    s.onopen = () => window.results.opened.push(path);
    s.onmessage = (m) => window.results.messages.push(String(m.data).slice(0, 100));
    s.onclose = s.onerror = () => done();
    setTimeout(done, 3000);
  });
}
async function attack() {
  await socket('/api/ws');
  await socket('/api/instances/INSTANCE/terminal');
  for (const action of ['cancel', 'approve', 'retry']) {
    await fetch(cco + '/api/tasks/TASK/' + action,
                {method: 'POST', mode: 'no-cors', credentials: 'include'}).catch(() => 0);
    await fetch(cco + '/api/tasks/TASK/' + action,
                {method: 'POST', mode: 'no-cors', credentials: 'include',
                 headers: {'content-type': 'text/plain'}, body: '{}'}).catch(() => 0);
  }
  await fetch(cco + '/api/instances/INSTANCE/send', {method: 'POST', mode: 'no-cors',
              credentials: 'include', body: JSON.stringify({text: 'rm -rf ~'})}).catch(() => 0);
  for (const path of ['/api/tasks', '/api/config', '/openapi.json']) {
    try {
      const r = await fetch(cco + path, {credentials: 'include'});
      window.results.reads.push(path + ' ' + r.status + ' ' + (await r.text()).slice(0, 50));
    } catch (e) { /* refused by the browser: nothing read */ }
  }
  document.getElementById('form').submit();
  await new Promise((r) => setTimeout(r, 1000));
  window.results.done = true;
}
attack();
</script>"""


class Elsewhere:
    """A plain web server on another port of 127.0.0.1: the other origin."""

    def __init__(self, root: Path) -> None:
        handler = partial(SimpleHTTPRequestHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Elsewhere:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(
    fake_claude: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Server]:
    token = request.param
    if token:
        monkeypatch.setenv("CC_ORCH_WEB__TOKEN", token)
    monkeypatch.setenv("CC_ORCH_INSTANCES__MONITOR_INTERVAL_S", "0.2")
    with running_server(request.node.name.replace("[", "-").replace("]", ""), token) as running:
        yield running


def running_task(server: Server, repo: Path) -> dict[str, Any]:
    body = {"title": "Precious", "prompt": "sleep 60", "repo": str(repo), "base": "main"}
    task_id = server.api("POST", "/api/tasks", body)["id"]
    deadline = time.monotonic() + 30
    while (task := server.task(task_id))["status"] != "running" or not task["instance_id"]:
        assert time.monotonic() < deadline, f"the task never ran: {task}"
        time.sleep(0.1)
    return task


@pytest.mark.parametrize("server", [None, "s3cret-token"], indirect=True)
def test_a_page_on_another_port_reads_and_changes_nothing(
    server: Server, repo: Path, tmp_path: Path
) -> None:
    task = running_task(server, repo)
    root = tmp_path / "elsewhere"
    root.mkdir()
    page_text = (
        ATTACK.replace("CCO", server.url)
        .replace("TASK", task["id"])
        .replace("INSTANCE", task["instance_id"])
    )
    (root / "attack.html").write_text(page_text)
    with chromium() as browser, new_page(browser, {"width": 800, "height": 600}) as page:
        page.goto(server.login_url("/"))  # this browser is logged in: it has the cookie
        expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
        cookies = page.context.cookies()
        assert any(c["name"] == "cco_token" and c["httpOnly"] for c in cookies), cookies
        with Elsewhere(root) as elsewhere:
            page.goto(f"{elsewhere.url}/attack.html")
            page.wait_for_function("window.results && window.results.done === true", timeout=30_000)
            results = page.evaluate("window.results")
    assert results["messages"] == [], results  # no event, no terminal byte
    assert results["opened"] == [], results  # no handshake accepted
    assert results["reads"] == [], results  # every read refused by the browser (no CORS)
    after = server.task(task["id"])
    assert after["status"] == "running", after  # not cancelled, approved or retried
    events = server.api("GET", f"/api/events?entity_id={task['instance_id']}&limit=1000")
    assert not [e for e in events if e["kind"] == "instance.sent"], events


@pytest.mark.parametrize("server", [None], indirect=True)
def test_a_rebound_dns_name_gets_nothing(server: Server, repo: Path) -> None:
    """The attacker's name resolved to 127.0.0.1 (Chromium's resolver rule stands in for the
    attacker's DNS): same-origin to the page, so only the Host check stands in the way."""
    task = running_task(server, repo)
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    port = server.url.rsplit(":", 1)[1]
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        try:
            with new_page(browser, {"width": 800, "height": 600}) as page:
                response = page.goto(f"http://rebind.attacker.example:{port}/")
                assert response is not None and response.status == 421
                statuses = page.evaluate(
                    """async (id) => {
                      const out = [];
                      for (const [method, path, body] of [
                        ['GET', '/api/config', null],
                        ['GET', '/api/tasks', null],
                        ['POST', '/api/tasks/' + id + '/cancel', '{}'],
                        ['POST', '/api/login', '{"token":"x"}'],
                      ]) {
                        const r = await fetch(path, {method, body,
                          headers: body ? {'content-type': 'application/json'} : {}});
                        out.push(r.status);
                      }
                      return out;
                    }""",
                    task["id"],
                )
        finally:
            browser.close()
    assert statuses == [421, 421, 421, 421], statuses
    assert server.task(task["id"])["status"] == "running"
