"""A description as Jira Cloud's editor writes it (by hand, after what its REST API returns)."""

from __future__ import annotations

from typing import Any

DESCRIPTION: dict[str, Any] = {
    "type": "doc",
    "version": 1,
    "content": [
        {
            "type": "heading",
            "attrs": {"level": 2, "localId": "a1b2c3d4e5f6"},
            "content": [{"type": "text", "text": "Context"}],
        },
        {
            "type": "paragraph",
            "attrs": {"localId": "b2c3d4e5f6a1"},
            "content": [
                {"type": "text", "text": "The export job fails for accounts with more than "},
                {"type": "text", "text": "10,000", "marks": [{"type": "strong"}]},
                {"type": "text", "text": " rows since the change in "},
                {
                    "type": "inlineCard",
                    "attrs": {"url": "https://acme.atlassian.net/browse/OPS-12"},
                },
                {"type": "text", "text": ". "},
                {
                    "type": "mention",
                    "attrs": {
                        "id": "712020:0e3f5a6b-8c9d-4e0f-a1b2-c3d4e5f6a7b8",
                        "text": "@Ada Lovelace",
                        "accessLevel": "",
                        "localId": "c3d4e5f6a1b2",
                    },
                },
                {"type": "text", "text": " saw it first in "},
                {"type": "text", "text": "export_worker.py", "marks": [{"type": "code"}]},
                {"type": "text", "text": " "},
                {"type": "emoji", "attrs": {"shortName": ":warning:", "id": "26a0", "text": "⚠️"}},
            ],
        },
        {
            "type": "panel",
            "attrs": {"panelType": "warning"},
            "content": [
                {
                    "type": "paragraph",
                    "content": [
                        {"type": "text", "text": "Do not rerun it on "},
                        {"type": "text", "text": "production", "marks": [{"type": "em"}]},
                        {"type": "text", "text": " before the fix."},
                    ],
                }
            ],
        },
        {
            "type": "heading",
            "attrs": {"level": 3},
            "content": [{"type": "text", "text": "Steps to reproduce"}],
        },
        {
            "type": "orderedList",
            "attrs": {"order": 1},
            "content": [
                {
                    "type": "listItem",
                    "content": [
                        {
                            "type": "paragraph",
                            "content": [
                                {"type": "text", "text": "Open "},
                                {
                                    "type": "text",
                                    "text": "the admin page",
                                    "marks": [
                                        {
                                            "type": "link",
                                            "attrs": {"href": "https://admin.example.com/export"},
                                        }
                                    ],
                                },
                            ],
                        }
                    ],
                },
                {
                    "type": "listItem",
                    "content": [
                        {
                            "type": "paragraph",
                            "content": [{"type": "text", "text": "Run the export with:"}],
                        },
                        {
                            "type": "bulletList",
                            "content": [
                                {
                                    "type": "listItem",
                                    "content": [
                                        {
                                            "type": "paragraph",
                                            "content": [
                                                {"type": "text", "text": "format "},
                                                {
                                                    "type": "text",
                                                    "text": "csv",
                                                    "marks": [{"type": "code"}],
                                                },
                                            ],
                                        }
                                    ],
                                },
                                {
                                    "type": "listItem",
                                    "content": [
                                        {
                                            "type": "paragraph",
                                            "content": [
                                                {"type": "text", "text": "all columns "},
                                                {
                                                    "type": "status",
                                                    "attrs": {
                                                        "text": "DEFAULT",
                                                        "color": "neutral",
                                                        "localId": "d4e5f6a1b2c3",
                                                    },
                                                },
                                            ],
                                        }
                                    ],
                                },
                            ],
                        },
                    ],
                },
            ],
        },
        {
            "type": "codeBlock",
            "attrs": {"language": "python"},
            "content": [
                {
                    "type": "text",
                    "text": "for row in rows:\n    writer.writerow(row)  # MemoryError here",
                }
            ],
        },
        {
            "type": "table",
            "attrs": {"isNumberColumnEnabled": False, "layout": "default", "localId": "e5f6"},
            "content": [
                {
                    "type": "tableRow",
                    "content": [
                        {
                            "type": "tableHeader",
                            "attrs": {},
                            "content": [
                                {
                                    "type": "paragraph",
                                    "content": [
                                        {
                                            "type": "text",
                                            "text": "Rows",
                                            "marks": [{"type": "strong"}],
                                        }
                                    ],
                                }
                            ],
                        },
                        {
                            "type": "tableHeader",
                            "attrs": {},
                            "content": [
                                {
                                    "type": "paragraph",
                                    "content": [
                                        {
                                            "type": "text",
                                            "text": "Result",
                                            "marks": [{"type": "strong"}],
                                        }
                                    ],
                                }
                            ],
                        },
                    ],
                },
                {
                    "type": "tableRow",
                    "content": [
                        {
                            "type": "tableCell",
                            "attrs": {},
                            "content": [
                                {
                                    "type": "paragraph",
                                    "content": [{"type": "text", "text": "9,999"}],
                                }
                            ],
                        },
                        {
                            "type": "tableCell",
                            "attrs": {},
                            "content": [
                                {"type": "paragraph", "content": [{"type": "text", "text": "ok"}]}
                            ],
                        },
                    ],
                },
                {
                    "type": "tableRow",
                    "content": [
                        {
                            "type": "tableCell",
                            "attrs": {},
                            "content": [
                                {
                                    "type": "paragraph",
                                    "content": [{"type": "text", "text": "10,001"}],
                                }
                            ],
                        },
                        {
                            "type": "tableCell",
                            "attrs": {"background": "#ffebe6"},
                            "content": [
                                {
                                    "type": "paragraph",
                                    "content": [
                                        {"type": "text", "text": "fails after "},
                                        {"type": "date", "attrs": {"timestamp": "1767225600000"}},
                                    ],
                                }
                            ],
                        },
                    ],
                },
            ],
        },
        {
            "type": "mediaSingle",
            "attrs": {"layout": "center", "width": 600, "widthType": "pixel"},
            "content": [
                {
                    "type": "media",
                    "attrs": {
                        "type": "file",
                        "id": "6f1b1c0e-2f3a-4b5c-8d9e-0f1a2b3c4d5e",
                        "collection": "",
                        "alt": "stacktrace.png",
                        "width": 1200,
                        "height": 800,
                    },
                }
            ],
        },
        {"type": "rule"},
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Done when the export of "},
                {"type": "text", "text": "every", "marks": [{"type": "strong"}, {"type": "em"}]},
                {"type": "text", "text": " account works."},
                {"type": "hardBreak"},
                {"type": "text", "text": "No "},
                {"type": "text", "text": "data loss", "marks": [{"type": "strike"}]},
                {"type": "text", "text": " allowed."},
            ],
        },
    ],
}
