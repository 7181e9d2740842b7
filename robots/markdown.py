"""The Markdown text of the robots' messages, and the escaping of what users typed.

The three platforms render different Markdown subsets and none documents a backslash escape,
so characters that would start markup in a user-entered name (an account called
"**[Win](http://x)**", or Feishu's `<at id=all>`) are replaced by their full-width forms
(＊ ［ ］ ＜ …), which read the same to a Chinese or English reader and never render as markup.
Line breaks become spaces, so a name cannot start a heading or a list item of its own.
"""

from dataclasses import dataclass

_FULL_WIDTH = str.maketrans(
    {
        "\\": "＼",
        "`": "｀",
        "*": "＊",
        "_": "＿",
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "<": "＜",
        ">": "＞",
        "#": "＃",
        "~": "～",
        "|": "｜",
        "!": "！",
        "\r": " ",
        "\n": " ",
        "\t": " ",
    }
)


def escape(text: str) -> str:
    """`text` safe to place in a robot's Markdown: no markup, no line break."""
    return str(text).translate(_FULL_WIDTH)


@dataclass(frozen=True)
class Section:
    """A heading (already Markdown) and its bullet lines (already escaped)."""

    heading: str
    lines: list[str]


def split_text(title: str, sections: list[Section], *, limit: int) -> list[str]:
    """The message as Markdown texts of at most `limit` UTF-8 bytes each: one when it fits,
    else parts cut between lines, each part starting with the title and "(n/N)"; a heading
    is repeated at the top of a part that continues its section."""
    blocks: list[tuple[str, str]] = []  # (heading, line); a line "" is the heading itself
    for section in sections:
        blocks.append((section.heading, ""))
        blocks.extend((section.heading, line) for line in section.lines)
    head_room = len(f"### {title} (99/99)\n\n".encode())
    parts: list[list[str]] = []
    current: list[str] = []
    size = head_room
    current_heading = None
    for heading, line in blocks:
        text = f"\n{heading}\n" if not line else f"- {line}"
        extra = [] if (not line or heading == current_heading) else [f"\n{heading}\n"]
        cost = sum(len(t.encode()) + 1 for t in [*extra, text])
        if current and size + cost > limit:
            parts.append(current)
            current, size = [], head_room
            extra = [] if not line else [f"\n{heading} …\n"]
            cost = sum(len(t.encode()) + 1 for t in [*extra, text])
        if cost + head_room > limit:  # one line longer than a whole message: cut it
            text = text.encode()[: limit - head_room - 8].decode("utf-8", "ignore") + " …"
        current.extend([*extra, text] if line else [text])
        size += cost
        current_heading = heading
    if current:
        parts.append(current)
    count = len(parts)
    texts = []
    for number, lines in enumerate(parts, start=1):
        suffix = f" ({number}/{count})" if count > 1 else ""
        texts.append(f"### {title}{suffix}\n" + "\n".join(lines).rstrip() + "\n")
    return texts
