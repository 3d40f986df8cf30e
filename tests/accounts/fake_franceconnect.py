"""A small OpenID provider, started by the tests, that behaves like FranceConnect v2.

It signs ID tokens and userinfo JWTs (ES256) with keys published at its JWKS, checks
``client_secret_post``, and can be told to misbehave (wrong nonce, foreign signature, weak acr,
expired token) so that the tests see our client refuse.
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

CLIENT_ID = "guichet-fc-client"
CLIENT_SECRET = "fc-secret-de-test"

IDENTITY = {
    "given_name": "Angela Claire Louise",
    "family_name": "DUBOIS",
    "preferred_username": "",
    "gender": "female",
    "birthdate": "1962-08-24",
    "birthplace": "75107",
    "birthcountry": "99100",
    "email": "angela.dubois@example.org",
}


class FakeFranceConnect:
    def __init__(self):
        self.key = ECKey.generate_key("P-256", parameters={"kid": "fc-key-1", "use": "sig"})
        self.foreign_key = ECKey.generate_key("P-256", parameters={"kid": "fc-key-1"})
        self.codes: dict[str, dict] = {}
        self.access: dict[str, dict] = {}
        self.misbehave: str | None = None  # wrong_nonce, bad_signature, weak_acr, expired
        self.sub = "fc-sub-" + uuid.uuid4().hex
        self.identity = dict(IDENTITY)
        self.token_requests: list[dict] = []
        self.logouts: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/v2"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def sign(self, claims: dict) -> str:
        key = self.foreign_key if self.misbehave == "bad_signature" else self.key
        return jwt.encode({"alg": "ES256", "kid": "fc-key-1"}, claims, key)

    def authorize(self, params: dict) -> str:
        """What FranceConnect does after the user logged in: back to the client with a code."""
        code = uuid.uuid4().hex
        self.codes[code] = {"nonce": params["nonce"], "redirect_uri": params["redirect_uri"]}
        query = urlencode({"code": code, "state": params["state"]})
        return f"{params['redirect_uri']}?{query}"

    def _handler(self):
        op = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, content_type="application/json"):
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = urlparse(self.path).path.removeprefix("/api/v2")
                if path == "/.well-known/openid-configuration":
                    return self._send(
                        200,
                        {
                            "issuer": op.url,
                            "authorization_endpoint": f"{op.url}/authorize",
                            "token_endpoint": f"{op.url}/token",
                            "userinfo_endpoint": f"{op.url}/userinfo",
                            "end_session_endpoint": f"{op.url}/session/end",
                            "jwks_uri": f"{op.url}/jwks",
                            "id_token_signing_alg_values_supported": ["ES256", "RS256"],
                            "userinfo_signing_alg_values_supported": ["ES256", "RS256"],
                        },
                    )
                if path == "/jwks":
                    return self._send(200, KeySet([op.key]).as_dict(private=False))
                if path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    grant = op.access.get(token)
                    if grant is None:
                        return self._send(401, {"error": "invalid_token"})
                    claims = {"sub": op.sub, "iss": op.url, "aud": CLIENT_ID, **op.identity}
                    return self._send(200, op.sign(claims), "application/jwt; charset=utf-8")
                if path == "/session/end":
                    op.logouts.append(parse_qs(urlparse(self.path).query))
                    return self._send(200, {"ok": True})
                return self._send(404, {"error": "not_found"})

            def do_POST(self):
                path = urlparse(self.path).path.removeprefix("/api/v2")
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if path != "/token":
                    return self._send(404, {"error": "not_found"})
                op.token_requests.append(form)
                if form.get("client_id") != CLIENT_ID or form.get("client_secret") != (
                    CLIENT_SECRET
                ):
                    return self._send(401, {"error": "invalid_client"})
                grant = op.codes.pop(form.get("code", ""), None)
                if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                    return self._send(400, {"error": "invalid_grant"})
                now = int(time.time())
                claims = {
                    "iss": op.url,
                    "sub": op.sub,
                    "aud": CLIENT_ID,
                    "iat": now,
                    "exp": now + 60,
                    "nonce": grant["nonce"],
                    "acr": "eidas1",
                    "amr": ["pwd"],
                }
                if op.misbehave == "wrong_nonce":
                    claims["nonce"] = "0" * 64
                if op.misbehave == "weak_acr":
                    claims["acr"] = "eidas0"
                if op.misbehave == "expired":
                    claims["iat"], claims["exp"] = now - 3600, now - 1800
                access_token = uuid.uuid4().hex
                op.access[access_token] = {"sub": op.sub}
                return self._send(
                    200,
                    {
                        "access_token": access_token,
                        "token_type": "Bearer",
                        "expires_in": 60,
                        "id_token": op.sign(claims),
                    },
                )

        return Handler
