#!/usr/bin/env python3
"""Signs in to a running Vigie over loopback and prints `<session cookie> <csrf token>`.

    signin.py BASE_URL EMAIL PASSWORD

Goes through the second factor when the role needs one (enrolling it on first use: the secret
is read from the setup page and the RFC 6238 code computed here), as a person would."""
import base64, hashlib, hmac, http.cookiejar, re, struct, sys, time, urllib.parse, urllib.request

base, email, password = sys.argv[1:4]
jar = http.cookiejar.CookieJar()
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def get(path):
    with op.open(base + path) as r:
        return r.geturl(), r.read().decode()


def post(path, fields):
    data = urllib.parse.urlencode(fields).encode()
    with op.open(base + path, data) as r:
        return r.geturl(), r.read().decode()


def csrf(html):
    return re.search(r'name="csrf" value="([^"]*)"', html).group(1)


def totp(secret):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    step = int(time.time()) // 30
    h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1_000_000)


_, html = get("/login")
url, html = post("/login", {"csrf": csrf(html), "email": email, "password": password})
if url.endswith("/login/totp/setup"):
    secret = re.search(r'id="totp-secret">([A-Z2-7=]+)<', html).group(1)
    url, html = post("/login/totp/setup", {"csrf": csrf(html), "code": totp(secret)})
elif url.endswith("/login/totp"):
    sys.exit("this account already has a second factor: use a fresh account")
session = next(c.value for c in jar if c.name == "vigie_session")
_, html = get("/")
print(session, csrf(html))
