# Sends N keep-alive requests (GET /health or single-event publishes) on one connection; used by bench/instructions.sh.
import http.client, json, sys, time, os
port=int(sys.argv[1]); n=int(sys.argv[2]); key=sys.argv[3]; path=sys.argv[4]
c=http.client.HTTPConnection("127.0.0.1",port)
for _ in range(200):
    try:
        c.request("GET","/health"); c.getresponse().read(); break
    except Exception:
        time.sleep(0.2); c=http.client.HTTPConnection("127.0.0.1",port)
for i in range(n):
    if path=="publish":
        body=json.dumps({"specversion":"1.0","id":"e%d-%s"%(i,os.getpid()),"source":"/bench","type":"order.created","data":{"n":i}})
        c.request("POST","/v1/events",body,{"Authorization":"Bearer "+key,"Content-Type":"application/cloudevents+json"})
    else:
        c.request("GET","/health")
    r=c.getresponse(); r.read()
    assert r.status in (200,201,202), (r.status)
