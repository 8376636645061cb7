"""Instructions per request of in-memory reads, noise-free on a shared host:
callgrind runs of `switchboard serve` with N and 2N requests of one kind;
(I(2N) - I(N)) / N cancels start-up and set-up. Background pollers are slowed
so they do not count. Kinds: health, evaluate, features304, services, config.
  python3 bench/instructions_http.py health,evaluate [N]     (needs valgrind)"""
import http.client, json, os, re, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SB_BINARY", os.path.join(ROOT, "build", "switchboard")); KEY = "sbk_instructions_0123456789"
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def run(kind, n):
    d = tempfile.mkdtemp(); port = free_port()
    env = dict(os.environ, SWITCHBOARD_ADMIN_KEY=KEY, SWITCHBOARD_SERVER__THREADS="1", SWITCHBOARD_LOG__LEVEL="warn",
               SWITCHBOARD_HTTP__ACCESS_LOG=os.environ.get("ACCESS_LOG", "true"),
               SWITCHBOARD_EVENTS__POLL_MS="600000", SWITCHBOARD_DISCOVERY__TICK_MS="10000")
    p = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={d}/cg.out", BIN, "serve", "--listen",
                          f"127.0.0.1:{port}", "--data-dir", d, "--database", f"sqlite:{d}/sb.db"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30); c.request("GET", "/health"); c.getresponse().read(); break
        except Exception: time.sleep(0.1)
    A = {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"}
    def req(m, path, body=None, h=A):
        c.request(m, path, body, h); r = c.getresponse(); return r.status, r.read(), r
    req("POST", "/v1/flags/import", open(os.path.join(ROOT, "bench", "flags_set.json")).read())
    tok = json.loads(req("POST", "/v1/flags/tokens", '{"type":"client"}')[1])["secret"]
    _, _, r = req("GET", "/api/client/features", None, {"Authorization": tok}); etag = r.getheader("ETag")
    for i in range(5):
        req("PUT", f"/v1/services/orders/instances/o{i}", json.dumps({"address": f"10.0.0.{i}", "port": 9001, "tags": ["v2"], "check": {"ttl_ms": 3600000}}))
    for i in range(n):
        if kind == "health": req("GET", "/health", None, {})
        elif kind == "evaluate": req("POST", "/v1/flags/evaluate", '{"context":{"userId":"u-%d","properties":{"plan":"pro","version":"2.1.0"}},"flags":["rollout-two-constraints"]}' % i)
        elif kind == "features304": req("GET", "/api/client/features", None, {"Authorization": tok, "If-None-Match": etag})
        elif kind == "services": req("GET", "/v1/services/orders?healthy=true", None, {"Authorization": "Bearer " + KEY})
        elif kind == "config": req("GET", "/v1/config/log.level", None, {"Authorization": "Bearer " + KEY})
    p.terminate(); p.wait()
    out = subprocess.run(["callgrind_annotate", f"{d}/cg.out"], capture_output=True, text=True).stdout
    m = re.search(r"([\d,]+)\s+\(100.0%\)\s+PROGRAM TOTALS", out) or re.search(r"([\d,]+)\s+PROGRAM TOTALS", out)
    return int(m.group(1).replace(",", "")), f"{d}/cg.out"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 300
for kind in sys.argv[1].split(","):
    a, _ = run(kind, N); b, f = run(kind, 2 * N)
    print(f"{kind}: {(b - a) // N} instructions/request   (profile: {f})", flush=True)
