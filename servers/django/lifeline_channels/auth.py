"""Client tokens: HS256 JWTs verified with PyJWT. Claims used: `sub`, `roles` (or `role`), `exp`."""
import re
import time

import jwt


class AuthError(Exception):
    """A token the server will not accept, with the protocol's code for why."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    def body(self):
        return {"code": self.code, "message": self.message}


_BEARER = re.compile(r"^Bearer\s+(\S+)$", re.IGNORECASE)


def bearer_token(header):
    """The token of `Authorization: Bearer <token>`, or `None`."""
    match = _BEARER.match(header or "")
    return match.group(1) if match else None


#: A token must expire within this from now: one that never expires stays valid if it leaks.
DEFAULT_MAX_LIFETIME_MS = 86_400_000


def verify_token(token, secret, max_lifetime_ms=DEFAULT_MAX_LIFETIME_MS, now=None):
    """Claims of a valid HS256 token. `exp` is required, and at most `max_lifetime_ms` away;
    `alg: none` and algorithm swaps are refused because only HS256 is accepted. Raises AuthError."""
    try:
        payload = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError:
        raise AuthError("TOKEN_EXPIRED", "Token has expired") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise AuthError("UNAUTHORIZED", "Token is invalid") from None
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub:
        raise AuthError("UNAUTHORIZED", 'Token has no "sub" claim')
    exp = payload.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise AuthError("UNAUTHORIZED", 'Token "exp" must be a number of seconds')
    remaining_ms = exp * 1000 - (time.time() if now is None else now) * 1000
    if remaining_ms <= 0:
        raise AuthError("TOKEN_EXPIRED", "Token has expired")
    if remaining_ms > max_lifetime_ms:
        raise AuthError("UNAUTHORIZED", f"Token expires more than {max_lifetime_ms} ms from now; this server allows at most that")
    roles = payload.get("roles")
    if isinstance(roles, list):
        roles = [role for role in roles if isinstance(role, str)]
    elif isinstance(payload.get("role"), str):
        roles = [payload["role"]]
    else:
        roles = []
    return {**payload, "sub": sub, "roles": roles}


def expires_in_ms(claims, now=None):
    """Milliseconds until the claims expire (never negative)."""
    now = time.time() if now is None else now
    return max(0, int(claims["exp"] * 1000 - now * 1000))


def sign_token(secret, sub, roles=(), expires_in_seconds=3600, now=None):
    """An HS256 token for development and tests."""
    issued_at = int(time.time() if now is None else now)
    return jwt.encode({"sub": sub, "roles": list(roles), "iat": issued_at, "exp": issued_at + expires_in_seconds}, secret, algorithm="HS256")
