#!/usr/bin/env python3
"""Copies the generated parts of docs/results/results.md (itself written by `experiments` from
results.json) into README.md between the markers <!-- results:begin --> and <!-- results:end -->,
with headings demoted one level and image paths made relative to the repository root.
Usage: scripts/readme-results.py [results dir, default docs/results]"""
import json
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
results = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "docs" / "results"
rel = results.resolve().relative_to(root)
md = (results / "results.md").read_text()
data = json.loads((results / "results.json").read_text())

body = md.split("\n", 1)[1].strip()                      # drop the document title
body = re.sub(r"^(#+) ", lambda m: "#" + m.group(1) + " ", body, flags=re.M)
body = re.sub(r"!\[([^\]]*)\]\(([^)/]+\.png)\)", lambda m: f"![{m.group(1)}]({rel}/{m.group(2)})", body)
head = (f"Below: [`{rel}/results.md`]({rel}/results.md) (grid: {data['grid']}), which `experiments` writes "
        f"together with [`{rel}/results.json`]({rel}/results.json), copied by `scripts/readme-results.py`.\n\n")
readme = (root / "README.md").read_text()
begin, end = "<!-- results:begin -->", "<!-- results:end -->"
if begin not in readme or end not in readme:
    sys.exit("README.md lacks the markers " + begin + " and " + end)
pre, rest = readme.split(begin, 1)
post = rest.split(end, 1)[1]
(root / "README.md").write_text(pre + begin + "\n" + head + body.strip() + "\n" + end + post)
print("README.md results section updated from", results / "results.json")
