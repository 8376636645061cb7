"""Sends notifications at a fixed rate (open loop: each request has its
scheduled time, so a slow answer does not lower the offered rate), for the
send -> provider latency measured afterwards from the delivery timelines.
  notify_pace.py BASE_URL KEY USERS(comma-separated) RATE SECONDS"""
import http.client
import sys
import threading
import time
import urllib.parse

base, key, users, rate, seconds = sys.argv[1], sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]), float(sys.argv[5])
u = urllib.parse.urlparse(base)
THREADS = 8
errors = []


def run(t):
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    start = time.monotonic()
    i = t
    while i < rate * seconds:
        due = start + i / rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        body = '{"user_id":"%s","type":"bench","data":{"n":%d,"amount":"42.00"}}' % (users[i % len(users)], i)
        conn.request("POST", "/v1/notifications", body,
                     {"Content-Type": "application/json", "Authorization": "Bearer " + key})
        r = conn.getresponse()
        r.read()
        if r.status != 202:
            errors.append(r.status)
        i += THREADS


threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
t0 = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
took = time.monotonic() - t0
print("paced sent=%d seconds=%.2f offered=%d/s errors=%d" % (int(rate * seconds), took, rate, len(errors)))
