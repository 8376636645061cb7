"""How long a flag change made on one instance takes to be evaluated by
another (two instances on one PostgreSQL). N times: enable or disable the
flag on A, then evaluate on B as fast as possible until B agrees; prints
p50/p99/max in ms. usage: flags_propagation.py URL_A URL_B KEY FLAG N"""
import http.client
import json
import sys
import time
import urllib.parse

url_a, url_b, key, flag, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}


def conn(url):
    u = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)


a, b = conn(url_a), conn(url_b)
body = json.dumps({"context": {"userId": "u-1"}, "flags": [flag]})


def enabled_on_b():
    b.request("POST", "/v1/flags/evaluate", body, headers)
    r = b.getresponse()
    return json.loads(r.read())["results"][flag]["enabled"]


samples = []
state = enabled_on_b()
for i in range(n):
    state = not state
    a.request("POST", f"/v1/flags/{flag}/environments/production/{'on' if state else 'off'}", "", headers)
    r = a.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"toggle failed: {r.status}")
    t0 = time.monotonic()
    while enabled_on_b() != state:
        if time.monotonic() - t0 > 5:
            sys.exit("B did not see the change within 5 s")
    samples.append((time.monotonic() - t0) * 1000)
samples.sort()
p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
print(f"changes={n} p50_ms={p(0.5):.1f} p99_ms={p(0.99):.1f} max_ms={samples[-1]:.1f}")
