"""What JupyterLab shows of an UNTRUSTED notebook's outputs, read from the installed JupyterLab's own
bundle (share/jupyter/lab/static/jlab_core*.js): which output mimetypes have a "safe" renderer and their
ranks (the untrusted notebook shows the best-ranked safe one), and its HTML sanitizer's allowed tags,
the attributes allowed on <img>, and the attributes it checks URL schemes on."""
from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path


@lru_cache(maxsize=1)
def rules() -> dict | None:
    static = Path(sys.prefix) / "share" / "jupyter" / "lab" / "static"
    for path in sorted(static.glob("jlab_core*.js")):
        code = path.read_text(encoding="utf-8", errors="replace")
        renderers = re.findall(r'safe:!([01]),mimeTypes:\[("[^\]]*")\],defaultRank:(\d+)', code)
        tags = re.search(r'allowedTags:(\["a","abbr"[^\]]*\])', code)
        img = re.search(r'img:\["align"(.*?)\],input:', code)
        schemes = re.search(r'allowedSchemesAppliedToAttributes:(\[[^\]]*\])', code)
        if not (renderers and tags and img and schemes):
            continue
        mimes = {}
        for safe, names, rank in renderers:
            for name in json.loads("[" + names + "]"):
                mimes[name] = (safe == "0", int(rank))       # "!0" is true in minified code
        return {"mimes": mimes, "tags": set(json.loads(tags.group(1))),
                "img": set(re.findall(r'"([a-z-]+)"', img.group(0))),
                "scheme_checked": set(json.loads(schemes.group(1))), "source": path.name}
    return None


def untrusted_mimetype(bundle: dict) -> str | None:
    """The mimetype an untrusted notebook shows of an output (JupyterLab's preferredMimeType with
    safe='ensure': the best-ranked mimetype that has a safe renderer)."""
    known = rules()["mimes"]
    safe = [(known[m][1], m) for m in bundle if m in known and known[m][0]]
    return min(safe)[1] if safe else None


class _Sanitizer(HTMLParser):
    """The sanitizer's effect on the elements that matter here: disallowed tags dropped (their text
    kept, as sanitize-html does), <img> kept with its allowed attributes."""

    def __init__(self, allowed: set, img_attrs: set):
        super().__init__(convert_charrefs=True)
        self.allowed, self.img_attrs, self.images = allowed, img_attrs, []

    def handle_starttag(self, tag, attrs):
        if tag not in self.allowed:
            return
        if tag == "img":
            self.images.append({k: v for k, v in attrs if k in self.img_attrs})

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def images_shown(html_text: str) -> list[dict]:
    """The <img> elements (with the attributes kept) JupyterLab shows of an untrusted text/html output,
    those whose src is a data URI of an image (src is not scheme-checked, see ``rules``)."""
    r = rules()
    parser = _Sanitizer(r["tags"], r["img"])
    parser.feed(html_text)
    return [img for img in parser.images if str(img.get("src", "")).startswith("data:image/")
            and "src" not in r["scheme_checked"]]

