"""Tokens for the tests, signed like the server expects (HS256, `sub`, `roles`, `exp`)."""
import time

import jwt

SECRET = "test-secret"
API_KEY = "test-api-key"


def token(sub="ada", roles=(), ttl_s=3600, secret=SECRET, **claims):
    now = int(time.time())
    return jwt.encode({"sub": sub, "roles": list(roles), "iat": now, "exp": now + ttl_s, **claims}, secret, algorithm="HS256")
