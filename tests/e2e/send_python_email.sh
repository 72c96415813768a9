#!/usr/bin/env bash
# An independent reader for what gog gmail send writes: Python's email
# package (RFC 2047 headers, MIME parts, transfer encodings) must read the
# demo newsletter and the case C04/C06 inputs back exactly.
set -euo pipefail

bin=${GOG_BIN_DIR:?}
src=${GOG_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GOG_CONFIG_DIR=$work/config GOG_STATE_DIR=$work/state
export TRACKING_KEY_V1=8kbD55fE7K/lGhXZXOT72ALOsSJf59pOVDGAELFOvO8=
export TRACKING_CURRENT_KEY_VERSION=1
newsletter=$src/pipelines/newsletter
long_subject='Résumé review für Zoë — 東京オフィスの四半期報告書 ☕ please read before Friday'

"$bin/gog-send" --to '"Doe, Jane" <jane@example.com>, ann@example.com' \
  --from 'Zoë Müller <zoe@example.com>' --subject "$long_subject" \
  --body-html-file "$newsletter/newsletter.html" --track-split \
  --transport "outbox:$work/news" --worker-url https://t.example.com \
  >"$work/news.tsv"

python3 -c 'print("<html><body>" + "<span>x</span>" * 5000 + "</body></html>", end="")' \
  >"$work/long.html"
"$bin/gog-send" --to ann@example.com --subject 'Weekly report' \
  --body-html-file "$work/long.html" --track \
  --transport "outbox:$work/long" --worker-url https://t.example.com \
  >"$work/long.tsv"

python3 - "$work" "$newsletter/newsletter.html" "$long_subject" <<'PY'
import email, glob, sys
from email import policy

work, newsletter, long_subject = sys.argv[1], sys.argv[2], sys.argv[3]

def pixel(tid):
    return ('<img src="https://t.example.com/p/%s.gif" width="1" height="1" '
            'alt="" style="display:none;width:1px;height:1px;border:0" />' % tid)

def check(raw, subject, to, html, tid):
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998 and b"\n" not in line, line[:80]
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(b < 0x80 for b in head), "8-bit header"
    m = email.message_from_bytes(raw, policy=policy.default)
    assert m["Subject"] == subject, m["Subject"]
    assert "\ufffd" not in m["Subject"]
    assert m["To"] == to, m["To"]
    got = m.get_body(("html",)).get_content()
    end = html.rfind("</body>")
    want = html[:end] + pixel(tid) + html[end:] if end >= 0 else html + pixel(tid)
    want = want.replace("\r\n", "\n").replace("\n", "\r\n")
    assert got.replace("\r\n", "\n") == want.replace("\r\n", "\n"), "html differs"
    assert got.count("<img") == html.count("<img") + 1

ids = dict(l.split("\t")[:2] for l in open(work + "/news.tsv").read().splitlines())
html = open(newsletter, encoding="utf-8").read()
files = sorted(glob.glob(work + "/news/*.eml"))
assert len(files) == 2, files
for path, to, addr in [(files[0], '"Doe, Jane" <jane@example.com>', "jane@example.com"),
                       (files[1], "ann@example.com", "ann@example.com")]:
    raw = open(path, "rb").read()
    check(raw, long_subject, to, html, ids[addr])
    m = email.message_from_bytes(raw, policy=policy.default)
    assert m["From"] == "Zoë Müller <zoe@example.com>", m["From"]

(tid,) = [l.split("\t")[1] for l in open(work + "/long.tsv").read().splitlines()]
(path,) = glob.glob(work + "/long/*.eml")
raw = open(path, "rb").read()
assert b"Subject: Weekly report\r\n" in raw
check(raw, "Weekly report", "ann@example.com", open(work + "/long.html").read(), tid)
print("python's email package reads every message back exactly")
PY
