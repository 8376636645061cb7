"""Instructions per end-to-end notification (email + push, discard providers),
every thread counted, noise-free on a shared host: callgrind runs with N and
2N notifications from 16 concurrent senders, each drained; (I(2N) - I(N)) / N.
Prints the two profiles; diff them per function with bench/instructions_diff.py.
  python3 bench/instructions_notify.py [N]     (needs valgrind)"""
import http.client, json, os, socket, sqlite3, subprocess, sys, tempfile, threading, time, re
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SB_BINARY", os.path.join(ROOT, "build", "switchboard")); KEY = "sbk_instructions_0123456789"; PASS = "bench passphrase 2026"
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def run(n, users=8, conc=16):
    d = tempfile.mkdtemp(); port = free_port(); db = f"sqlite:{d}/sb.db"
    ids = []
    for i in range(users):
        out = subprocess.run([BIN, "user", "create", "--email", f"u{i}@example.com", "--data-dir", d, "--database", db],
                             env=dict(os.environ, SWITCHBOARD_LOG__LEVEL="error", SWITCHBOARD_USER_PASSWORD=PASS),
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        ids.append(out)
    env = dict(os.environ, SWITCHBOARD_ADMIN_KEY=KEY, SWITCHBOARD_SERVER__THREADS="1", SWITCHBOARD_LOG__LEVEL="warn",
               SWITCHBOARD_HTTP__ACCESS_LOG="false", SWITCHBOARD_RATELIMIT__AUTH__LOGIN__IP="off",
               SWITCHBOARD_EVENTS__POLL_MS="600000", SWITCHBOARD_DISCOVERY__TICK_MS="10000")
    p = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={d}/cg.out", BIN, "serve", "--listen",
                          f"127.0.0.1:{port}", "--data-dir", d, "--database", db],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60); c.request("GET", "/health"); c.getresponse().read(); break
        except Exception: time.sleep(0.1)
    A = {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"}
    def req(conn, m, path, body=None, h=A):
        conn.request(m, path, body, h); r = conn.getresponse(); b = r.read()
        if r.status >= 300: raise SystemExit(f"{m} {path}: {r.status} {b[:200]}")
        return b
    req(c, "PUT", "/v1/config/email.providers", '{"value":["discard"]}')
    req(c, "PUT", "/v1/config/push.providers", '{"value":["discard"]}')
    req(c, "PUT", "/v1/notifications/templates/bench/email", '{"subject":"Payment of {{amount}}","body":"You paid {{amount}} (#{{n}})."}')
    req(c, "PUT", "/v1/notifications/templates/bench/push", '{"subject":"Payment","body":"You paid {{amount}}"}')
    for i in range(users):
        tok = json.loads(req(c, "POST", "/v1/auth/login", json.dumps({"email": f"u{i}@example.com", "password": PASS}), {"Content-Type": "application/json"}))["access_token"]
        req(c, "POST", "/v1/me/devices", json.dumps({"kind": "fcm", "token": f"bench-token-{i}"}), {"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    counter = iter(range(n)); lock = threading.Lock()
    def sender():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                k = next(counter, None)
            if k is None: return
            req(conn, "POST", "/v1/notifications", json.dumps({"user_id": ids[k % users], "type": "bench", "data": {"amount": "9.99", "n": k}, "channels": ["email", "push"]}))
    ts = [threading.Thread(target=sender) for _ in range(conc)]
    [t.start() for t in ts]; [t.join() for t in ts]
    con = sqlite3.connect(f"{d}/sb.db")
    for _ in range(6000):
        left = con.execute("SELECT count(*) FROM notify_deliveries WHERE status IN ('queued','sending','retrying')").fetchone()[0]
        if left == 0: break
        time.sleep(0.05)
    sent = con.execute("SELECT count(*) FROM notify_deliveries WHERE status='sent'").fetchone()[0]
    p.terminate(); p.wait()
    out = subprocess.run(["callgrind_annotate", f"{d}/cg.out"], capture_output=True, text=True).stdout
    m = re.search(r"([\d,]+)\s+\(100.0%\)\s+PROGRAM TOTALS", out) or re.search(r"([\d,]+)\s+PROGRAM TOTALS", out)
    return int(m.group(1).replace(",", "")), f"{d}/cg.out", sent
N = int(sys.argv[1]) if len(sys.argv) > 1 else 300
a, fa, sa = run(N); b, fb, sb = run(2 * N)
print(f"notification (email+push): {(b - a) // N} instructions   sent {sa} / {sb} deliveries   profiles: {fa} {fb}", flush=True)
