"""What Slack and Discord really accept from a webhook, as checks a fake receiver runs.

Sources (looked up for issue 12; limits as the services document them):

* Slack incoming webhooks: a 400 answer's body is a short code (`invalid_payload`, ...;
  api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks), `no_text` when
  neither text nor blocks is given, `invalid_blocks` for blocks that break a rule; success is
  200 with the body `ok` (slack.dev/python-slack-sdk/webhook).
* Slack Block Kit (docs.slack.dev/reference/block-kit/blocks, .../blocks/header-block,
  .../block-elements/button-element): at most 50 blocks in a message; header: plain_text,
  <= 150 characters; section: text <= 3000 characters, or fields (<= 10, each <= 2000);
  context: <= 10 elements; actions: <= 25 elements; button: text plain_text <= 75,
  url <= 3000, value <= 2000, action_id <= 255, style primary|danger; block_id <= 255;
  a text object is plain_text (emoji) or mrkdwn (verbatim) with a non-empty text.
* Discord execute webhook (discord.com/developers/docs/resources/webhook#execute-webhook and
  the embed limits, as restated by @sapphire/discord-utilities EmbedLimits): content <= 2000;
  <= 10 embeds; title <= 256; description <= 4096; <= 25 fields, name <= 256, value <= 1024;
  footer.text <= 2048; author.name <= 256; all embeds together <= 6000 characters (title,
  description, field names and values, footer text, author name); a message needs content
  or embeds; `?wait=true` answers 200 with the message, else 204. A broken rule answers 400
  `{"code": 50035, "errors": {...: {"_errors": [{"code", "message"}]}}, "message":
  "Invalid Form Body"}` (a real answer quoted in abahmed/kwatch#194).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

KEY_RE = re.compile(r"cco · (\S+)")  # Slack context / Discord footer: "cco · <dedupe_key>"


# -- Slack -----------------------------------------------------------------------------------
class SlackRefusal(Exception):
    """A payload Slack refuses: `code` is the body Slack answers, `detail` says where/why."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def _bad(where: str, why: str) -> SlackRefusal:
    return SlackRefusal("invalid_blocks", f"{where}: {why}")


def _limit(where: str, value: Any, max_len: int, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value:
        raise _bad(where, "must be a non-empty string")
    if len(value) > max_len:
        raise _bad(where, f"{len(value)} characters, more than {max_len}")


def _keys(where: str, obj: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        raise _bad(where, f"unknown properties {extra}")


def _text_object(where: str, obj: Any, max_len: int, *, plain_only: bool = False) -> None:
    if not isinstance(obj, dict):
        raise _bad(where, "must be a text object")
    kind = obj.get("type")
    if kind not in ("plain_text", "mrkdwn") or (plain_only and kind != "plain_text"):
        expected = "plain_text" if plain_only else "plain_text or mrkdwn"
        raise _bad(f"{where}.type", f"{kind!r}, expected {expected}")
    flag = "emoji" if kind == "plain_text" else "verbatim"
    _keys(where, obj, {"type", "text", flag})
    if flag in obj and not isinstance(obj[flag], bool):
        raise _bad(f"{where}.{flag}", "must be a boolean")
    _limit(f"{where}.text", obj.get("text"), max_len)


def _url(where: str, value: Any, max_len: int) -> None:
    _limit(where, value, max_len)
    if not re.match(r"https?://[^\s/]+", value):
        raise _bad(where, "not an http(s) URL")


def _button(where: str, el: dict[str, Any]) -> None:
    _keys(
        where,
        el,
        {"type", "text", "action_id", "url", "value", "style", "confirm", "accessibility_label"},
    )
    _text_object(f"{where}.text", el.get("text"), 75, plain_only=True)
    _limit(f"{where}.action_id", el.get("action_id"), 255, required=False)
    if "url" in el:
        _url(f"{where}.url", el["url"], 3000)
    _limit(f"{where}.value", el.get("value"), 2000, required=False)
    _limit(f"{where}.accessibility_label", el.get("accessibility_label"), 75, required=False)
    if "style" in el and el["style"] not in ("primary", "danger"):
        raise _bad(f"{where}.style", "must be primary or danger")


def _image(where: str, el: dict[str, Any]) -> None:
    _keys(where, el, {"type", "image_url", "alt_text"})
    _url(f"{where}.image_url", el.get("image_url"), 3000)
    _limit(f"{where}.alt_text", el.get("alt_text"), 2000)


def _elements(where: str, value: Any, max_items: int) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise _bad(where, "must be a non-empty array")
    if len(value) > max_items:
        raise _bad(where, f"{len(value)} elements, more than {max_items}")
    for i, el in enumerate(value):
        if not isinstance(el, dict):
            raise _bad(f"{where}[{i}]", "must be an object")
    return value


def _block(where: str, block: Any) -> None:
    if not isinstance(block, dict):
        raise _bad(where, "must be an object")
    kind = block.get("type")
    _limit(f"{where}.block_id", block.get("block_id"), 255, required=False)
    if kind == "header":
        _keys(where, block, {"type", "text", "block_id"})
        _text_object(f"{where}.text", block.get("text"), 150, plain_only=True)
    elif kind == "section":
        _keys(where, block, {"type", "text", "fields", "accessory", "block_id", "expand"})
        if "text" not in block and "fields" not in block:
            raise _bad(where, "a section needs text or fields")
        if "text" in block:
            _text_object(f"{where}.text", block["text"], 3000)
        if "fields" in block:
            for i, f in enumerate(_elements(f"{where}.fields", block["fields"], 10)):
                _text_object(f"{where}.fields[{i}]", f, 2000)
        if "accessory" in block:
            acc = block["accessory"]
            if not isinstance(acc, dict) or acc.get("type") not in ("button", "image"):
                raise _bad(f"{where}.accessory", "expected a button or an image")
            (_button if acc["type"] == "button" else _image)(f"{where}.accessory", acc)
    elif kind == "context":
        _keys(where, block, {"type", "elements", "block_id"})
        for i, el in enumerate(_elements(f"{where}.elements", block.get("elements"), 10)):
            if el.get("type") == "image":
                _image(f"{where}.elements[{i}]", el)
            else:
                _text_object(f"{where}.elements[{i}]", el, 3000)
    elif kind == "divider":
        _keys(where, block, {"type", "block_id"})
    elif kind == "actions":
        _keys(where, block, {"type", "elements", "block_id"})
        ids: set[str] = set()
        for i, el in enumerate(_elements(f"{where}.elements", block.get("elements"), 25)):
            if el.get("type") != "button":
                raise _bad(f"{where}.elements[{i}].type", "only buttons are modelled here")
            _button(f"{where}.elements[{i}]", el)
            action_id = el.get("action_id")
            if action_id in ids:
                raise _bad(f"{where}.elements[{i}].action_id", "duplicate action_id")
            if action_id:
                ids.add(action_id)
    else:
        raise _bad(f"{where}.type", f"unknown block type {kind!r}")


def check_slack(payload: Any) -> None:
    """Raise SlackRefusal when Slack would refuse this incoming-webhook payload."""
    if not isinstance(payload, dict):
        raise SlackRefusal("invalid_payload", "the body is not a JSON object")
    text, blocks = payload.get("text"), payload.get("blocks")
    if text is not None and not isinstance(text, str):
        raise SlackRefusal("invalid_payload", "text must be a string")
    if not text and not blocks and not payload.get("attachments"):
        raise SlackRefusal("no_text", "neither text nor blocks")
    if blocks is None:
        return
    if not isinstance(blocks, list):
        raise SlackRefusal("invalid_blocks_format", "blocks must be an array")
    if len(blocks) > 50:
        raise _bad("blocks", f"{len(blocks)} blocks, more than 50")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        _block(f"blocks[{i}]", block)
        block_id = block.get("block_id")
        if block_id in block_ids:
            raise _bad(f"blocks[{i}].block_id", "duplicate block_id")
        if block_id:
            block_ids.add(block_id)


def slack_key(payload: dict[str, Any]) -> str:
    """The dedupe key from the first context block saying "cco · KEY" ("" when none does)."""
    for block in payload.get("blocks") or ():
        if block.get("type") != "context":
            continue
        for el in block.get("elements", ()):
            found = KEY_RE.search(str(el.get("text", "")))
            if found:
                return found.group(1)
    return ""


# -- Discord ---------------------------------------------------------------------------------
EMBED_TOTAL_MAX = 6000


def _put(errors: dict[str, Any], path: list[str], code: str, message: str) -> None:
    node = errors
    for part in path:
        node = node.setdefault(part, {})
    node.setdefault("_errors", []).append({"code": code, "message": message})


def _length(
    errors: dict[str, Any], path: list[str], value: Any, max_len: int, *, required: bool = False
) -> int:
    if value is None:
        if required:
            _put(errors, path, "BASE_TYPE_REQUIRED", "This field is required")
        return 0
    if not isinstance(value, str):
        _put(errors, path, "STRING_TYPE_CONVERT", "Could not interpret value as string.")
        return 0
    if required and not value.strip():
        _put(errors, path, "BASE_TYPE_REQUIRED", "This field is required")
    if len(value) > max_len:
        _put(errors, path, "BASE_TYPE_MAX_LENGTH", f"Must be {max_len} or fewer in length.")
    return len(value)


def _embed(errors: dict[str, Any], at: list[str], embed: Any) -> int:
    if not isinstance(embed, dict):
        _put(errors, at, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return 0
    total = _length(errors, [*at, "title"], embed.get("title"), 256)
    total += _length(errors, [*at, "description"], embed.get("description"), 4096)
    if embed.get("url") is not None and not re.match(r"https?://\S+$", str(embed["url"])):
        _put(errors, [*at, "url"], "URL_TYPE_INVALID_URL", "Not a well formed URL.")
    if embed.get("timestamp") is not None:
        try:
            datetime.fromisoformat(str(embed["timestamp"]))
        except ValueError:
            _put(errors, [*at, "timestamp"], "DATE_TIME_TYPE_PARSE", "Could not parse date.")
    color = embed.get("color")
    if color is not None and (not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
        _put(errors, [*at, "color"], "NUMBER_TYPE_MAX", "int value should be <= 16777215.")
    for part, max_len, name in (("footer", 2048, "text"), ("author", 256, "name")):
        if embed.get(part) is not None:
            value = embed[part].get(name) if isinstance(embed[part], dict) else None
            total += _length(errors, [*at, part, name], value, max_len, required=True)
    fields = embed.get("fields") or []
    if len(fields) > 25:
        _put(errors, [*at, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, fld in enumerate(fields):
        if not isinstance(fld, dict):
            _put(errors, [*at, "fields", str(i)], "DICT_TYPE_CONVERT", "Not a dictionary")
            continue
        where = [*at, "fields", str(i)]
        total += _length(errors, [*where, "name"], fld.get("name"), 256, required=True)
        total += _length(errors, [*where, "value"], fld.get("value"), 1024, required=True)
    return total


def check_discord(payload: Any) -> dict[str, Any] | None:
    """The 400 answer Discord gives this execute-webhook payload, or None when it accepts it."""
    if not isinstance(payload, dict):
        return {"code": 50109, "message": "The request body contains invalid JSON."}
    content, embeds = payload.get("content"), payload.get("embeds") or []
    if not content and not embeds and not payload.get("components"):
        return {"code": 50006, "message": "Cannot send an empty message"}
    errors: dict[str, Any] = {}
    _length(errors, ["content"], content, 2000)
    _length(errors, ["username"], payload.get("username"), 80)
    if not isinstance(embeds, list):
        _put(errors, ["embeds"], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        embeds = []
    if len(embeds) > 10:
        _put(errors, ["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = sum(_embed(errors, ["embeds", str(i)], e) for i, e in enumerate(embeds))
    if total > EMBED_TOTAL_MAX:
        _put(
            errors, ["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    mentions = payload.get("allowed_mentions")
    if mentions is not None:
        parse = mentions.get("parse", [])
        if not isinstance(parse, list) or set(parse) - {"roles", "users", "everyone"}:
            _put(errors, ["allowed_mentions", "parse"], "ENUM_TYPE_COERCE", "Not a valid value.")
    if errors:
        return {"code": 50035, "errors": errors, "message": "Invalid Form Body"}
    return None


def discord_may_ping(payload: dict[str, Any]) -> bool:
    """Whether Discord would ping @everyone/@here or a user/role for this content: mentions
    in content are parsed unless allowed_mentions.parse leaves them out."""
    content = str(payload.get("content") or "")
    if not re.search(r"@(everyone|here)|<@[!&]?\d+>", content):
        return False
    mentions = payload.get("allowed_mentions")
    return mentions is None or bool(mentions.get("parse"))


def discord_key(payload: dict[str, Any]) -> str:
    """The dedupe key from the first embed footer saying "cco · KEY" ("" when none does)."""
    for embed in payload.get("embeds") or ():
        found = KEY_RE.search(str((embed.get("footer") or {}).get("text", "")))
        if found:
            return found.group(1)
    return ""
