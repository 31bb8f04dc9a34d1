"""No traceback reaches the browser, not even as stderr output (issue 20 item 5).

In a kernel ``sys.stderr`` is sent to the page over the kernel websocket; before, ``App.refresh``
printed the traceback of a failed render there (file paths included). Now it goes to the kernel's
real stderr (the server log), and the server drops ``error`` messages and ``stderr`` streams from
what it forwards to the browser (rexlib/app/serve_app.py)."""
from __future__ import annotations

import io
import json
import sys

from rexlib.app.serve_app import hidden_from_browser
from rexlib.app.ui import common as c


class Broken(c.App):
    title = "broken"

    def render(self):
        raise RuntimeError("boom at /work/secret/path.py")


def test_a_failed_render_goes_to_the_log_not_to_sys_stderr(monkeypatch, capfd):
    page_stderr = io.StringIO()                 # what ipykernel would forward to the browser
    monkeypatch.setattr(sys, "stderr", page_stderr)
    app = Broken()
    app.refresh()
    assert page_stderr.getvalue() == ""
    assert "Traceback" in capfd.readouterr().err  # the process's stderr: the server log
    assert "Something went wrong" in app.sections[0].value and "Traceback" not in app.sections[0].value


def _v1(channel: str, header: dict, content: dict) -> bytes:
    """A message in Jupyter's v1 websocket framing (offsets, then channel, header, parent, metadata, content)."""
    parts = [channel.encode(), json.dumps(header).encode(), b"{}", b"{}", json.dumps(content).encode()]
    offsets, position = [], 8 * (len(parts) + 1)
    for part in parts:
        offsets.append(position)
        position += len(part)
    head = len(offsets).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
    return head + b"".join(parts)


def test_error_and_stderr_messages_are_kept_from_the_browser():
    error = {"msg_type": "error", "msg_id": "1"}
    stderr = {"msg_type": "stream", "msg_id": "2"}
    assert hidden_from_browser(_v1("iopub", error, {"ename": "E", "traceback": ["Traceback ..."]})) == "error"
    assert hidden_from_browser(_v1("iopub", stderr, {"name": "stderr", "text": "Traceback ..."})) == "stderr"
    assert hidden_from_browser(json.dumps({"channel": "iopub", "header": error, "content": {}})) == "error"
    assert hidden_from_browser({"channel": "iopub", "header": stderr, "content": {"name": "stderr"}}) == "stderr"


def test_other_messages_pass():
    for header, content in [({"msg_type": "stream"}, {"name": "stdout", "text": "hello"}),
                            ({"msg_type": "comm_msg"}, {"data": {"state": {"value": "x"}}}),
                            ({"msg_type": "status"}, {"execution_state": "idle"})]:
        assert hidden_from_browser(_v1("iopub", header, content)) is None
        assert hidden_from_browser(json.dumps({"channel": "iopub", "header": header, "content": content})) is None
