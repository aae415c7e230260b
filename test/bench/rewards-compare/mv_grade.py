"""Grades JSONL gold/pred pairs with Hugging Face's Math-Verify; bench-only, never run by npm test.

Reads {"gold", "pred"} lines on stdin and writes {"score", "ms"} lines (one per input) and a
final {"total_s"} line. Bare answers (no math delimiters, no prose), gold or prediction, are
wrapped in $...$ so that Math-Verify's LaTeX extraction reads them; when that finds nothing, the
text is parsed as given. Either way Math-Verify gets its best reading of the same pair.
"""

import json
import re
import sys
import time

from math_verify import parse, verify

DELIMITERS = re.compile(r"\$|\\boxed|\\fbox|\\\(|\\\[")
# a run of 4+ letters that is not a LaTeX command name and not inside \text{...}: prose
PROSE_WORD = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{4,}")
TEXT_ARG = re.compile(r"\\(?:text|textbf|mathrm|mbox)\{[^}]*\}")


def is_bare_math(s: str) -> bool:
    """A bare answer such as `x^2+4x+4` or `\\frac{1}{2}`, not prose and not already delimited."""
    if DELIMITERS.search(s) or "\n" in s:
        return False
    return PROSE_WORD.search(TEXT_ARG.sub(" ", s)) is None


def read(s: str):
    """Math-Verify's parse; a bare answer is wrapped in $...$ (as its README asks for LaTeX)."""
    if is_bare_math(s):
        wrapped = parse("$" + s + "$")
        if wrapped:
            return wrapped
    return parse(s)


def grade(gold: str, pred: str) -> int:
    try:
        return 1 if verify(read(gold), read(pred)) else 0
    except Exception:  # noqa: BLE001 - a crash is a 0, as a reward function would score it
        return 0


def main() -> None:
    rows = [json.loads(line) for line in sys.stdin if line.strip()]
    grade("1", "1")  # warm-up: imports, grammar and caches outside the timed loop
    grade("\\frac{1}{2}", "$x^2+\\frac{1}{2}$")
    start = time.perf_counter()
    out = []
    for row in rows:
        t = time.perf_counter()
        score = grade(row["gold"], row["pred"])
        out.append({"score": score, "ms": (time.perf_counter() - t) * 1000})
    total = time.perf_counter() - start
    for line in out:
        print(json.dumps(line))
    print(json.dumps({"total_s": total}))


if __name__ == "__main__":
    main()
