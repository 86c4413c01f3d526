// A stand-in for Cloudflare Access in dev and tests: it serves a team's JWKS where Access does
// (GET /cdn-cgi/access/certs) and signs RS256 tokens shaped like the `Cf-Access-Jwt-Assertion`
// Access puts on every request it lets through (aud, iss, sub, email, iat, nbf, exp, type,
// identity_nonce, country). The Worker reaches it through ACCESS_CERTS_ORIGIN (ignored in
// production, where the keys come from ACCESS_TEAM_DOMAIN itself); the tokens' `iss` is the
// configured team domain, as Access's would be, so the Worker checks the real issuer.
//
// Control routes (dev and tests only; Access has no such thing); each takes `team` (body or
// query) to act on a team of its own, whose JWKS is served at /<team>/cdn-cgi/access/certs:
//   POST /__access/token  {email, aud?, iss?, ttl_seconds?, nbf_offset_seconds?, exp_offset_seconds?, kid?}
//        → {token}: signed with the current key (or `kid`, a retired one still served).
//   GET  /__access/token?email=…  → the token as text (for curl in dev: see the README).
//   POST /__access/rotate → {kid, previous}: a new current key; the previous stays in the JWKS,
//        as Access keeps an old key valid for a while after a rotation.
//   POST /__access/retire {kid} → the key leaves the JWKS (tokens it signed stop verifying).
//   GET  /__access/fetches → {count}: how many times the JWKS was fetched (the cache is tested).
// Not modelled: Access's login page, its CF_Authorization cookie, service tokens, groups.
import { createPrivateKey, generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { createServer } from "node:http";

const b64url = (data) => Buffer.from(data).toString("base64url");

function newKey() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomUUID().replaceAll("-", "");
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, jwk };
}

/** A signed RS256 JWT of `claims`, with `kid` in its header. */
export function signRs256(privateKey, kid, claims) {
  const header = b64url(JSON.stringify({ alg: "RS256", kid, typ: "JWT" }));
  const payload = b64url(JSON.stringify(claims));
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), typeof privateKey === "string" ? createPrivateKey(privateKey) : privateKey);
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

/**
 * @param {{ port?: number, host?: string, teamDomain: string, aud: string }} options
 * `teamDomain` (https://<team>.cloudflareaccess.com) becomes each token's `iss`; `aud` the default audience.
 */
export async function startAccessStandin({ port = 8793, host = "127.0.0.1", teamDomain, aud }) {
  if (!teamDomain || !aud) throw new Error("the Access stand-in needs the team domain and the audience it signs for");
  // Key sets by team: "" is the configured team; a test that rotates keys uses a team of its
  // own (/<team>/cdn-cgi/access/certs), so its rotation never races another file's tokens.
  const teams = new Map();
  const teamOf = (name) => {
    if (!teams.has(name)) teams.set(name, { keys: [newKey()], fetches: 0 });
    return teams.get(name);
  };
  teamOf("");

  const issue = (body, team) => {
    const { keys } = team;
    const current = () => keys[keys.length - 1];
    const email = String(body.email ?? "").trim();
    if (!email.includes("@")) return { error: "email is required" };
    const key = body.kid ? keys.find((k) => k.kid === body.kid) : current();
    if (!key) return { error: `no key ${body.kid}` };
    const now = Math.floor(Date.now() / 1000);
    const ttl = Number(body.ttl_seconds ?? 3600);
    const claims = {
      aud: body.aud === undefined ? [aud] : body.aud,
      email,
      exp: now + ttl + Number(body.exp_offset_seconds ?? 0),
      iat: now,
      nbf: now + Number(body.nbf_offset_seconds ?? 0),
      iss: body.iss ?? teamDomain,
      type: "app",
      identity_nonce: randomUUID(),
      sub: randomUUID(),
      country: "US",
    };
    return { token: signRs256(key.privateKey, key.kid, claims) };
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://standin");
    const send = (status, body, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(type === "application/json" ? JSON.stringify(body) : body);
    };
    let raw = "";
    for await (const chunk of req) raw += chunk;
    let body = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return send(400, { error: "the body must be JSON" });
    }
    const certs = /^(?:\/([a-z0-9-]{1,64}))?\/cdn-cgi\/access\/certs$/.exec(url.pathname);
    if (req.method === "GET" && certs) {
      const team = teamOf(certs[1] ?? "");
      team.fetches += 1;
      const current = team.keys[team.keys.length - 1];
      return send(200, { keys: team.keys.map((k) => k.jwk), public_cert: { kid: current.kid }, public_certs: team.keys.map((k) => ({ kid: k.kid })) });
    }
    const teamName = String(body.team ?? url.searchParams.get("team") ?? "");
    if (teamName !== "" && !/^[a-z0-9-]{1,64}$/.test(teamName)) return send(400, { error: "team: lower-case letters, digits and -" });
    const team = teamOf(teamName);
    const keys = team.keys;
    const current = () => keys[keys.length - 1];
    if (url.pathname === "/__access/token" && (req.method === "POST" || req.method === "GET")) {
      const result = issue(req.method === "GET" ? { email: url.searchParams.get("email") } : body, team);
      if (result.error) return send(400, result);
      return req.method === "GET" ? send(200, result.token, "text/plain") : send(200, result);
    }
    if (req.method === "POST" && url.pathname === "/__access/rotate") {
      const previous = current().kid;
      keys.push(newKey());
      return send(200, { kid: current().kid, previous });
    }
    if (req.method === "POST" && url.pathname === "/__access/retire") {
      const index = keys.findIndex((k) => k.kid === body.kid);
      if (index < 0 || keys.length === 1) return send(400, { error: "no such key, or it is the only one" });
      keys.splice(index, 1);
      return send(200, { retired: body.kid });
    }
    if (req.method === "GET" && url.pathname === "/__access/fetches") return send(200, { count: team.fetches });
    send(404, { error: `no route ${req.method} ${url.pathname}` });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const origin = `http://${host}:${typeof address === "object" && address ? address.port : port}`;
  return {
    url: origin,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
