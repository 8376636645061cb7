"""A service that registers with Switchboard, heartbeats, and deregisters on
SIGTERM. SB_URL and SB_KEY (an API key with services:write) from the
environment; run it, then `curl $SB_URL/v1/services/hello?healthy=true`."""
import http.server, json, os, signal, threading, urllib.request

SB, KEY = os.environ.get("SB_URL", "http://127.0.0.1:8080"), os.environ["SB_KEY"]
PORT = int(os.environ.get("PORT", "9001"))
INSTANCE = f"{SB}/v1/services/hello/instances/hello-{os.getpid()}"

def call(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=body and json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=5).close()

class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"hello\n")

server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Hello)
threading.Thread(target=server.serve_forever, daemon=True).start()
call("PUT", INSTANCE, {"address": "127.0.0.1", "port": PORT, "tags": ["v1"],
                       "check": {"ttl_ms": 10000, "deregister_after_ms": 60000}})
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
while not stop.wait(3):  # heartbeat well inside the 10 s TTL
    call("PUT", f"{INSTANCE}/heartbeat")
call("DELETE", INSTANCE)  # SIGTERM: leave at once instead of lingering until the TTL
server.shutdown()
