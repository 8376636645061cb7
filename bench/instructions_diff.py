"""Per-function instruction differences between two callgrind profiles (the N
and 2N runs of bench/instructions_*.py), divided by N: what one more request
or notification costs, function by function (inclusive).
  python3 bench/instructions_diff.py PROFILE_N PROFILE_2N N [TOP]"""
import re, subprocess, sys
def incl(f):
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", f], capture_output=True, text=True).stdout
    d = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*)", line)
        if m: d[m.group(2)[:150]] = int(m.group(1).replace(",", ""))
    return d
a, b, n = incl(sys.argv[1]), incl(sys.argv[2]), int(sys.argv[3])
rows = sorted(((b.get(k, 0) - a.get(k, 0)) / n, k) for k in set(a) | set(b))
for v, k in reversed(rows[-int(sys.argv[4]) if len(sys.argv) > 4 else -45:]):
    print(f"{v:10.0f}  {k}")
