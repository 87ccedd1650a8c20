# work.py - allocation-heavy Python: dicts, lists, strings, JSON round trip.
import json, collections, sys
n = int(sys.argv[1]) if len(sys.argv) > 1 else 150000
d = {}
for i in range(n):
    d["k%d" % i] = [i, str(i) * 3, {"v": i % 97, "s": "x" * (i % 50)}]
s = json.dumps(d)
back = json.loads(s)
c = collections.Counter(len(v[1]) for v in back.values())
print(len(s), len(back), sorted(c.items())[:3])
