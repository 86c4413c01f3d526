// Stand-ins for the notification and analytics providers in dev and tests: ONE local HTTP
// server answering SendGrid, Twilio, Postscript, Klaviyo and PostHog on their real paths
// (they do not collide), so the Worker reaches all five through one PROVIDERS_ORIGIN.
// Each checks what the provider checks: its auth header (or PostHog's key in the body) and
// the request's shape, answering the provider's own status and error body (wrong key → its
// 401, missing field → its 400). Accepted and refused requests are recorded. Faults can be
// queued per provider and per credential (a status N times, a 429 with Retry-After, a hang,
// a dropped connection, a permanent refusal of one recipient) through `/__standins/...`.
//
// Credentials: every provider accepts the dev defaults below (DEV_CREDENTIALS, documented in
// the README of the stand-ins: this comment), those passed to startProviderStandins, and any
// registered later with `POST /__standins/credentials`. Tests register their own so their
// faults and request logs do not meet another test file's (the server is shared by the run).
//
// Not modelled: SendGrid's verified senders and suppression lists, Twilio's status callbacks
// and sender ownership, Klaviyo's profile merge, Postscript subscribers' opt-in state (every
// phone is a subscriber unless a reject_recipient fault says otherwise), PostHog's ingestion.
// PostHog's /batch/ refuses an unknown key here, where PostHog accepts it and drops the
// events: stricter, so a wrong key shows up in dev.
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

export const PROVIDERS = ["sendgrid", "twilio", "postscript", "klaviyo", "posthog"];

/** What each stand-in accepts out of the box (shaped like the real keys, so format checks pass). */
export const DEV_CREDENTIALS = {
  sendgrid: { api_key: "SG.LoyalNestDevSendgrid01.LoyalNestDevSendgridSecret00000000000000000" },
  twilio: { account_sid: "AC0123456789abcdef0123456789abcdef", auth_token: "fedcba9876543210fedcba9876543210" },
  postscript: { api_key: "sk_loyalnest_dev_0123456789abcdef" },
  klaviyo: { private_api_key: "pk_0123456789abcdef0123456789abcdef01" },
  posthog: { project_api_key: "phc_LoyalNestDevProjectKey00000000000000000000000" },
};

const SENDGRID_SCOPES = ["mail.send", "scopes.read", "user.profile.read"];
const FAULT_MODES = ["status", "throttle", "hang", "stall", "reset", "reject_recipient"];
const DEFAULT_HOLD_MS = 30_000;
const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TWILIO_SID = /^(AC|MG)[0-9a-f]{32}$/;
const TWILIO_PATH = /^\/2010-04-01\/Accounts\/([^/]+?)(\/Messages)?\.json$/;
const STATUS_TEXT = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout", 409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

/**
 * @param {{ port?: number, host?: string, credentials?: Partial<Record<string, object[]>> }} [options]
 * `credentials`: more accepted credentials per provider, each shaped like DEV_CREDENTIALS[provider]
 * (sendgrid may add `scopes`, twilio `status`: "active" | "suspended" | "closed").
 */
export async function startProviderStandins({ port = 8789, host = "127.0.0.1", credentials = {} } = {}) {
  /** provider -> principal -> credential */
  const accepted = new Map(PROVIDERS.map((p) => [p, new Map()]));
  const register = (provider, credential) => {
    const principal = principalOf(provider, credential);
    if (!principal) return `a ${provider} credential needs ${Object.keys(DEV_CREDENTIALS[provider]).join(" and ")}`;
    accepted.get(provider).set(principal, credential);
    return null;
  };
  const registerDefaults = () => {
    for (const provider of PROVIDERS) {
      accepted.get(provider).clear();
      register(provider, DEV_CREDENTIALS[provider]);
      for (const credential of credentials[provider] ?? []) {
        const problem = register(provider, credential);
        if (problem) throw new Error(problem);
      }
    }
  };
  registerDefaults();
  const requests = [];
  let faults = [];
  const held = new Set();
  let nextId = 1;

  const matches = (filter) => (entry) =>
    (!filter.provider || entry.provider === filter.provider) && (!filter.key || entry.principal === filter.key || entry.key === filter.key) && (!filter.operation || entry.operation === filter.operation);

  /** The first queued fault this request meets (consumed), or null. */
  function takeFault(request, phase) {
    const index = faults.findIndex(
      (fault) =>
        fault.provider === request.provider &&
        (fault.key === null || fault.key === request.principal) &&
        (fault.operation === null || fault.operation === request.operation) &&
        (phase === "before" ? fault.mode !== "reject_recipient" : fault.mode === "reject_recipient" && request.recipients.includes(fault.recipient)),
    );
    if (index === -1) return null;
    const fault = faults[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  }

  /** Answers `{ status, body, headers? }`, or `{ hold: ms }` / `{ reset: true }` for no answer. */
  function answer(request, headers) {
    request.principal = identify(request, headers);
    const before = takeFault(request, "before");
    if (before) {
      request.fault = before.mode;
      if (before.mode === "hang") return { hold: before.holdMs };
      if (before.mode === "stall") return { hold: before.holdMs, stall: true };
      if (before.mode === "reset") return { reset: true };
      if (before.mode === "throttle") return { status: 429, body: errorBody(request.provider, 429), headers: { "retry-after": before.retryAfter } };
      return { status: before.status, body: errorBody(request.provider, before.status) };
    }
    const refused = authenticate(request, headers) ?? validate(request, headers);
    if (refused) return refused;
    const rejected = takeFault(request, "after");
    if (rejected) {
      request.fault = rejected.mode;
      return recipientRefusal(request.provider, rejected.recipient);
    }
    return accept(request);
  }

  /** The credential a request claims (key, or Twilio's account SID), before any check: faults and logs are scoped by it. */
  function identify(request, headers) {
    const { provider, body } = request;
    if (provider === "posthog") {
      const key = body?.api_key ?? body?.token;
      return typeof key === "string" ? key : null;
    }
    const authorization = String(headers.authorization ?? "");
    if (provider === "twilio") {
      const [scheme, encoded] = authorization.split(" ");
      if (scheme !== "Basic" || !encoded) return null;
      return Buffer.from(encoded, "base64").toString("utf8").split(":")[0] || null;
    }
    const scheme = provider === "klaviyo" ? "Klaviyo-API-Key " : "Bearer ";
    return authorization.startsWith(scheme) ? authorization.slice(scheme.length).trim() || null : null;
  }

  function authenticate(request, headers) {
    const { provider, principal } = request;
    // posthog-js's own capture endpoints usually send a compressed body the stand-in does not
    // decode: accepted unchecked (recorded raw), as PostHog accepts what it cannot place.
    if (provider === "posthog" && request.operation === "send" && !/^\/batch\/?(\?|$)/.test(request.path) && (typeof request.body !== "object" || request.body === null)) {
      request.authorized = true;
      return null;
    }
    const credential = principal !== null ? accepted.get(provider).get(principal) : undefined;
    if (provider === "twilio") {
      const encoded = String(headers.authorization ?? "").split(" ")[1] ?? "";
      const token = Buffer.from(encoded, "base64").toString("utf8").split(":").slice(1).join(":");
      request.authorized = Boolean(credential && sameSecret(token, credential.auth_token) && request.pathSid === principal);
    } else {
      request.authorized = Boolean(credential);
    }
    if (!request.authorized) return { status: 401, body: errorBody(provider, 401) };
    request.credential = credential;
    return null;
  }

  function validate(request, headers) {
    const fail = (status, message, field) => ({ status, body: errorBody(request.provider, status, message, field) });
    const { provider, operation, body } = request;
    if (operation === "check") return null;
    if (provider === "sendgrid") return validateSendgrid(body, headers, request.credential, fail);
    if (provider === "twilio") return validateTwilio(body, headers, fail);
    if (provider === "klaviyo") return validateKlaviyo(body, headers, fail);
    if (provider === "postscript") return validatePostscript(body, headers, fail);
    return validatePosthog(body, request.path, fail);
  }

  function accept(request) {
    const { provider, operation, body } = request;
    request.accepted = true;
    if (provider === "sendgrid") {
      if (operation === "check") return { status: 200, body: { scopes: request.credential.scopes ?? SENDGRID_SCOPES } };
      const id = randomBytes(16).toString("base64url").slice(0, 22);
      request.messageId = id;
      return { status: 202, body: null, headers: { "x-message-id": id } };
    }
    if (provider === "twilio") {
      const sid = request.principal;
      if (operation === "check") {
        return { status: 200, body: { sid, friendly_name: "LoyalNest dev", status: request.credential.status ?? "active", type: "Full", date_created: new Date(0).toUTCString() } };
      }
      const messageSid = `SM${randomBytes(16).toString("hex")}`;
      request.messageId = messageSid;
      const now = new Date().toUTCString();
      return {
        status: 201,
        body: {
          sid: messageSid,
          account_sid: sid,
          to: body.To,
          from: body.From ?? null,
          messaging_service_sid: body.MessagingServiceSid ?? null,
          body: body.Body,
          status: "queued",
          num_segments: String(Math.max(1, Math.ceil(String(body.Body).length / 160))),
          direction: "outbound-api",
          api_version: "2010-04-01",
          date_created: now,
          date_updated: now,
          date_sent: null,
          error_code: null,
          error_message: null,
          uri: `/2010-04-01/Accounts/${sid}/Messages/${messageSid}.json`,
        },
      };
    }
    if (provider === "klaviyo") {
      if (operation === "check") {
        return { status: 200, body: { data: [{ type: "account", id: "LNDEV1", attributes: { contact_information: { organization_name: "LoyalNest dev" }, timezone: "UTC" } }], links: { self: "/api/accounts/" } } };
      }
      return { status: 202, body: null };
    }
    if (provider === "postscript") {
      if (operation === "check") return { status: 200, body: { resource_id: "shop_loyalnestdev", resource_name: "LoyalNest dev", resource_type: "shop" } };
      const id = `mr_${randomBytes(12).toString("hex")}`;
      request.messageId = id;
      const now = new Date().toISOString();
      return { status: 202, body: { id, body: body.body, category: body.category ?? "promotional", phone: body.phone, status: "processing", status_code: 0, scheduled_at: body.scheduled_at ?? null, subscriber_id: null, sent_message: null, created_at: now, updated_at: now } };
    }
    if (operation === "check") return { status: 200, body: { flags: {}, errorsWhileComputingFlags: false, requestId: randomUUID() } };
    return { status: 200, body: { status: "Ok" } };
  }

  function parseFault(text) {
    let spec;
    try {
      spec = JSON.parse(text || "{}");
    } catch {
      return "the body must be JSON";
    }
    const { provider, mode, key = null, operation = null, times = 1, status = 503, retryAfter = "1", holdMs = DEFAULT_HOLD_MS, recipient = null } = spec ?? {};
    if (!PROVIDERS.includes(provider)) return `provider must be one of ${PROVIDERS.join(", ")}`;
    if (!FAULT_MODES.includes(mode)) return `mode must be one of ${FAULT_MODES.join(", ")}`;
    if (key !== null && typeof key !== "string") return "key must be a string (the credential's key, or Twilio's account SID)";
    if (operation !== null && operation !== "send" && operation !== "check") return "operation must be send or check";
    if (!Number.isInteger(times) || times < 0) return "times must be a whole number (0 = until cleared)";
    if (mode === "status" && (!Number.isInteger(status) || status < 400 || status > 599)) return "status must be 400..599";
    if (mode === "throttle" && typeof retryAfter !== "string") return "retryAfter must be a string (seconds or an HTTP date)";
    if ((mode === "hang" || mode === "stall") && (!Number.isInteger(holdMs) || holdMs < 0)) return "holdMs must be a whole number of milliseconds";
    if (mode === "reject_recipient" && (typeof recipient !== "string" || recipient === "")) return "recipient must be the email or phone number to refuse";
    if (mode === "reject_recipient" && provider === "posthog") return "posthog has no recipients";
    return { provider, mode, key, operation, remaining: times === 0 ? Number.POSITIVE_INFINITY : times, status, retryAfter, holdMs, recipient };
  }

  /**
   * Not any provider's: the stand-ins' own controls, for tests inside workerd.
   * - `GET /__standins/requests?provider=&key=&operation=`: `{ requests: [...] }`, oldest first,
   *   each `{ id, at, provider, operation: "send" | "check", method, path, principal (the key,
   *   or Twilio's account SID, the request claimed), authorized, accepted, status (null: no
   *   answer), fault, recipients, headers (no authorization), body, messageId }`.
   * - `POST /__standins/faults` with `{ provider, mode, key?, operation?: "send" | "check",
   *   times?: 1 (0 = until cleared), ... }`; modes: `status` (`status`: 400..599, default 503,
   *   with the provider's error body), `throttle` (429 with `retryAfter`: seconds or an HTTP
   *   date, default "1"), `hang` (no answer; the connection is dropped after `holdMs`, default
   *   30000), `stall` (a 200 and the first byte of its body, then the same hold), `reset`
   *   (the connection is dropped at once), `reject_recipient` (`recipient`: this
   *   email or phone is refused with the provider's own permanent 400, after auth and shape
   *   checks pass). A request meets the first matching fault queued.
   * - `DELETE /__standins/faults?provider=&key=`: clears matching faults.
   * - `POST /__standins/credentials` with `{ provider, ...credential }`: accepted from now on.
   * - `POST /__standins/reset?provider=&key=`: clears matching faults and recorded requests
   *   (no filter: everything, and the credentials back to the defaults).
   */
  function control(method, url, text) {
    const filter = { provider: url.searchParams.get("provider"), key: url.searchParams.get("key"), operation: url.searchParams.get("operation") };
    if (method === "GET" && url.pathname === "/__standins/health") return [200, { ok: true, providers: PROVIDERS }];
    if (method === "GET" && url.pathname === "/__standins/requests") return [200, { requests: requests.filter(matches(filter)) }];
    if (method === "POST" && url.pathname === "/__standins/faults") {
      const fault = parseFault(text);
      if (typeof fault === "string") return [400, { error: fault }];
      faults.push(fault);
      return [200, { queued: faults.filter((f) => f.provider === fault.provider && f.key === fault.key).length }];
    }
    if (method === "DELETE" && url.pathname === "/__standins/faults") {
      const before = faults.length;
      faults = faults.filter((fault) => !((!filter.provider || fault.provider === filter.provider) && (!filter.key || fault.key === filter.key)));
      return [200, { cleared: before - faults.length }];
    }
    if (method === "POST" && url.pathname === "/__standins/credentials") {
      let spec;
      try {
        spec = JSON.parse(text || "{}");
      } catch {
        return [400, { error: "the body must be JSON" }];
      }
      const { provider, ...credential } = spec ?? {};
      if (!PROVIDERS.includes(provider)) return [400, { error: `provider must be one of ${PROVIDERS.join(", ")}` }];
      const problem = register(provider, credential);
      return problem ? [400, { error: problem }] : [200, { registered: principalOf(provider, credential) }];
    }
    if (method === "POST" && url.pathname === "/__standins/reset") return [200, reset(filter)];
    return [404, { error: "Not Found" }];
  }

  function reset(filter = {}) {
    const everything = !filter.provider && !filter.key;
    const keep = (entry) => !((!filter.provider || entry.provider === filter.provider) && (!filter.key || entry.principal === filter.key || entry.key === filter.key));
    const cleared = { requests: requests.length, faults: faults.length };
    const remaining = requests.filter(keep);
    requests.length = 0;
    requests.push(...remaining);
    faults = faults.filter(keep);
    if (everything) registerDefaults();
    return { requests: cleared.requests - requests.length, faults: cleared.faults - faults.length };
  }

  function holdThenDrop(req, holdMs) {
    const socket = req.socket;
    const timer = setTimeout(() => socket.destroy(), holdMs);
    held.add(timer);
    socket.once("close", () => {
      clearTimeout(timer);
      held.delete(timer);
    });
  }

  async function handle(req, res) {
    const url = new URL(req.url, "http://standins");
    const text = await readBody(req);
    if (req.method === "OPTIONS") return preflight(res);
    if (url.pathname.startsWith("/__standins/")) return send(res, ...control(req.method, url, text));
    const route = routeOf(req.method, url.pathname);
    if (!route) return send(res, 404, { error: `the stand-ins answer no ${req.method} ${url.pathname}` });
    const { authorization: _authorization, ...headers } = req.headers;
    const body = parseBody(text, req.headers["content-type"]);
    const request = {
      id: nextId++,
      at: Date.now(),
      provider: route.provider,
      operation: route.operation,
      method: req.method,
      path: url.pathname + url.search,
      pathSid: route.sid ?? null,
      principal: null,
      authorized: false,
      accepted: false,
      status: null,
      fault: null,
      recipients: recipientsOf(route.provider, body),
      headers,
      body: body ?? text,
      messageId: null,
    };
    const answered = answer(request, req.headers);
    delete request.credential;
    delete request.pathSid;
    const recorded = request;
    requests.push(recorded);
    if (answered.stall) {
      // Headers and the start of a body, then nothing: a read of the body must time out.
      recorded.status = 200;
      res.writeHead(200, { "content-type": "application/json", ...CORS });
      res.write("{");
    }
    if (answered.hold !== undefined) return holdThenDrop(req, answered.hold);
    if (answered.reset) return req.socket.destroy();
    recorded.status = answered.status;
    return send(res, answered.status, answered.body, answered.headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, { error: String(error) }));
  });
  await new Promise((ready, fail) => server.once("error", fail).listen(port, host, ready));
  const url = `http://${host}:${server.address().port}`;
  return {
    url,
    /** Recorded requests, optionally for one provider / key / operation. */
    requests: (filter = {}) => requests.filter(matches(filter)),
    reset: () => void reset(),
    addCredentials: (provider, credential) => {
      const problem = register(provider, credential);
      if (problem) throw new Error(problem);
    },
    close: () =>
      new Promise((done) => {
        for (const timer of held) clearTimeout(timer);
        held.clear();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function principalOf(provider, credential) {
  if (!credential || typeof credential !== "object") return null;
  if (provider === "twilio") {
    return typeof credential.account_sid === "string" && TWILIO_SID.test(credential.account_sid) && typeof credential.auth_token === "string" && credential.auth_token ? credential.account_sid : null;
  }
  const field = Object.keys(DEV_CREDENTIALS[provider])[0];
  const value = credential[field];
  return typeof value === "string" && value.length >= 8 ? value : null;
}

/** Which provider and operation a path is, on the providers' real paths. */
function routeOf(method, path) {
  if (method === "POST" && path === "/v3/mail/send") return { provider: "sendgrid", operation: "send" };
  if (method === "GET" && path === "/v3/scopes") return { provider: "sendgrid", operation: "check" };
  const twilio = TWILIO_PATH.exec(path);
  if (twilio) {
    const sid = decodeURIComponent(twilio[1]);
    if (method === "POST" && twilio[2]) return { provider: "twilio", operation: "send", sid };
    if (method === "GET" && !twilio[2]) return { provider: "twilio", operation: "check", sid };
  }
  if (method === "POST" && /^\/api\/events\/?$/.test(path)) return { provider: "klaviyo", operation: "send" };
  if (method === "GET" && /^\/api\/accounts\/?$/.test(path)) return { provider: "klaviyo", operation: "check" };
  if (method === "POST" && path === "/api/v2/message_requests") return { provider: "postscript", operation: "send" };
  if (method === "GET" && path === "/api/v2/me") return { provider: "postscript", operation: "check" };
  // PostHog: the server's batch endpoint and posthog-js's capture endpoints; flags (and the
  // older decide) for the check.
  if (method === "POST" && /^\/(batch|capture|e|i\/v0\/e)\/?$/.test(path)) return { provider: "posthog", operation: "send" };
  if (method === "POST" && /^\/(flags|decide)\/?$/.test(path)) return { provider: "posthog", operation: "check" };
  return null;
}

function recipientsOf(provider, body) {
  if (!body || typeof body !== "object") return [];
  if (provider === "sendgrid") {
    const list = Array.isArray(body.personalizations) ? body.personalizations : [];
    return list.flatMap((p) => (Array.isArray(p?.to) ? p.to.map((to) => to?.email).filter((e) => typeof e === "string") : []));
  }
  if (provider === "twilio") return typeof body.To === "string" ? [body.To.replace(/^whatsapp:/, "")] : [];
  if (provider === "postscript") return typeof body.phone === "string" ? [body.phone] : [];
  if (provider === "klaviyo") {
    const attributes = body.data?.attributes?.profile?.data?.attributes ?? {};
    return [attributes.email, attributes.phone_number].filter((v) => typeof v === "string");
  }
  return [];
}

function validateSendgrid(body, headers, credential, fail) {
  if (!String(headers["content-type"] ?? "").includes("application/json")) return fail(415, "Content-Type should be application/json.", null);
  if (!body || typeof body !== "object") return fail(400, "Bad Request", null);
  if (!(credential.scopes ?? SENDGRID_SCOPES).includes("mail.send")) return fail(403, "access forbidden", null);
  const personalizations = body.personalizations;
  if (!Array.isArray(personalizations) || personalizations.length === 0 || personalizations.length > 1000) {
    return fail(400, "The personalizations field is required and must have at least one personalization.", "personalizations");
  }
  for (const [i, p] of personalizations.entries()) {
    if (!Array.isArray(p?.to) || p.to.length === 0) return fail(400, "The to array is required for all personalization objects, and must have at least one email object with a valid email address.", `personalizations.${i}.to`);
    for (const [j, to] of p.to.entries()) {
      if (typeof to?.email !== "string" || !EMAIL.test(to.email)) return fail(400, "Does not contain a valid address.", `personalizations.${i}.to.${j}.email`);
    }
  }
  if (typeof body.from?.email !== "string" || !EMAIL.test(body.from.email)) {
    return fail(400, "The from object must be provided for every email send. It is an object that requires an email parameter, but may also contain a name parameter.", "from");
  }
  const everySubject = personalizations.every((p) => typeof p.subject === "string" && p.subject !== "");
  if ((typeof body.subject !== "string" || body.subject === "") && !everySubject) {
    return fail(400, "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.", "subject");
  }
  const content = body.content;
  if (!Array.isArray(content) || content.length === 0) return fail(400, "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.", "content");
  for (const [i, block] of content.entries()) {
    if (typeof block?.type !== "string" || typeof block.value !== "string" || block.value === "") return fail(400, "The content value must be a string at least one character in length.", `content.${i}.value`);
  }
  const types = content.map((block) => block.type);
  if ((types.includes("text/plain") && types[0] !== "text/plain") || (types.includes("text/html") && types.indexOf("text/html") > (types.includes("text/plain") ? 1 : 0))) {
    return fail(400, "If present, text/plain and text/html may only be provided once, text/plain must be first, followed by text/html, followed by any other content.", "content");
  }
  if (body.categories !== undefined) {
    const categories = body.categories;
    if (!Array.isArray(categories) || categories.length > 10 || categories.some((c) => typeof c !== "string" || c.length > 255) || new Set(categories).size !== categories.length) {
      return fail(400, "Categories must be an array of up to 10 unique strings of at most 255 characters.", "categories");
    }
  }
  if (body.custom_args !== undefined && (typeof body.custom_args !== "object" || Object.values(body.custom_args ?? {}).some((v) => typeof v !== "string"))) {
    return fail(400, "Custom args must be an object whose values are strings.", "custom_args");
  }
  return null;
}

function validateTwilio(body, headers, fail) {
  if (!String(headers["content-type"] ?? "").includes("application/x-www-form-urlencoded") || !body || typeof body !== "object") {
    return fail(400, "A 'To' phone number is required.", 21604);
  }
  if (typeof body.To !== "string" || body.To === "") return fail(400, "A 'To' phone number is required.", 21604);
  if (!body.From && !body.MessagingServiceSid) return fail(400, "A 'From' phone number is required.", 21603);
  if (typeof body.Body !== "string" || body.Body === "") return fail(400, "Message body is required.", 21602);
  if (body.Body.length > 1600) return fail(400, "The concatenated message body exceeds the 1600 character limit.", 21617);
  const toWhatsapp = body.To.startsWith("whatsapp:");
  const fromWhatsapp = typeof body.From === "string" && body.From.startsWith("whatsapp:");
  if (body.From && toWhatsapp !== fromWhatsapp) return fail(400, "Invalid From and To pair. From and To should be of the same channel.", 21910);
  if (body.MessagingServiceSid && !/^MG[0-9a-f]{32}$/.test(body.MessagingServiceSid)) return fail(400, `Invalid messagingServiceSid: ${body.MessagingServiceSid}`, 21701);
  const to = body.To.replace(/^whatsapp:/, "");
  if (!E164.test(to)) return fail(400, `Invalid 'To' Phone Number: ${to}`, 21211);
  if (body.From && !E164.test(body.From.replace(/^whatsapp:/, ""))) return fail(400, `The 'From' number ${body.From} is not a valid phone number, shortcode, or alphanumeric sender ID.`, 21212);
  return null;
}

function validateKlaviyo(body, headers, fail) {
  if (typeof headers.revision !== "string" || !/^\d{4}-\d{2}-\d{2}(\.\w+)?$/.test(headers.revision)) return fail(400, "Missing or invalid `revision` header.", "/headers/revision");
  const type = String(headers["content-type"] ?? "");
  if (!type.includes("application/vnd.api+json") && !type.includes("application/json")) return fail(415, "Unsupported media type.", "/data");
  const attributes = body?.data?.attributes;
  if (body?.data?.type !== "event" || !attributes || typeof attributes !== "object") return fail(400, "`type` must be `event` and `attributes` an object.", "/data");
  if (!attributes.properties || typeof attributes.properties !== "object" || Array.isArray(attributes.properties)) return fail(400, "This field is required.", "/data/attributes/properties");
  const metric = attributes.metric?.data;
  if (metric?.type !== "metric" || typeof metric.attributes?.name !== "string" || metric.attributes.name === "") return fail(400, "A metric name is required.", "/data/attributes/metric/data/attributes/name");
  const profile = attributes.profile?.data;
  if (profile?.type !== "profile" || !profile.attributes || typeof profile.attributes !== "object") return fail(400, "This field is required.", "/data/attributes/profile");
  const p = profile.attributes;
  if (!p.email && !p.phone_number && !p.external_id && !profile.id) return fail(400, "One of `email`, `phone_number`, `external_id` or `id` is required to identify a profile.", "/data/attributes/profile/data/attributes");
  if (p.email !== undefined && (typeof p.email !== "string" || !EMAIL.test(p.email))) return fail(400, "Invalid email address", "/data/attributes/profile/data/attributes/email");
  if (p.phone_number !== undefined && (typeof p.phone_number !== "string" || !E164.test(p.phone_number))) {
    return fail(400, "Invalid phone number format (Example of a valid format: +12345678901)", "/data/attributes/profile/data/attributes/phone_number");
  }
  if (attributes.time !== undefined && (typeof attributes.time !== "string" || !ISO_TIME.test(attributes.time))) return fail(400, "Invalid datetime.", "/data/attributes/time");
  if (attributes.value !== undefined && typeof attributes.value !== "number") return fail(400, "A valid number is required.", "/data/attributes/value");
  if (attributes.unique_id !== undefined && (typeof attributes.unique_id !== "string" || attributes.unique_id === "")) return fail(400, "Not a valid string.", "/data/attributes/unique_id");
  return null;
}

function validatePostscript(body, headers, fail) {
  if (!String(headers["content-type"] ?? "").includes("application/json") || !body || typeof body !== "object") return fail(400, "Request body must be JSON", "invalid_request");
  if (typeof body.body !== "string" || body.body === "") return fail(400, "body is required", "missing_field");
  if (!body.phone && !body.subscriber_id) return fail(400, "Either phone or subscriber_id is required", "missing_field");
  if (body.phone !== undefined && !/^\+?\d{10,15}$/.test(String(body.phone))) return fail(400, "Invalid phone number", "invalid_phone");
  if (body.category !== undefined && !["promotional", "transactional", "conversational"].includes(body.category)) return fail(400, "category must be one of promotional, transactional, conversational", "invalid_enum");
  return null;
}

function validatePosthog(body, path, fail) {
  // posthog-js's own endpoints may send compressed bodies: only the server's batch is checked.
  if (!/^\/batch\/?$/.test(path.split("?")[0])) return null;
  if (!Array.isArray(body?.batch) || body.batch.length === 0) return fail(400, "Invalid payload: batch must be a non-empty array of events.", "batch");
  for (const [i, event] of body.batch.entries()) {
    if (typeof event?.event !== "string" || event.event === "") return fail(400, "Invalid payload: every event needs an event name.", `batch.${i}.event`);
    const distinctId = event.distinct_id ?? event.properties?.distinct_id;
    if (distinctId === undefined || distinctId === null || String(distinctId) === "") return fail(400, "Invalid payload: every event needs a distinct_id.", `batch.${i}.distinct_id`);
    if (event.uuid !== undefined && (typeof event.uuid !== "string" || !UUID.test(event.uuid))) return fail(400, "Invalid payload: uuid must be a UUID.", `batch.${i}.uuid`);
    if (event.timestamp !== undefined && (typeof event.timestamp !== "string" || Number.isNaN(Date.parse(event.timestamp)))) return fail(400, "Invalid payload: timestamp must be an ISO 8601 date.", `batch.${i}.timestamp`);
  }
  return null;
}

/** The provider's own error body for `status` (the message and field/code/pointer when known). */
function errorBody(provider, status, message, detail) {
  const text = message ?? STATUS_TEXT[status] ?? `HTTP ${status}`;
  if (provider === "sendgrid") {
    if (status === 401 && !message) return { errors: [{ field: null, message: "The provided authorization grant is invalid, expired, or revoked", help: null }] };
    return { errors: [{ field: detail ?? null, message: text, help: null }] };
  }
  if (provider === "twilio") {
    const code = typeof detail === "number" ? detail : status === 401 ? 20003 : status === 429 ? 20429 : status === 404 ? 20404 : status >= 500 ? 20500 : 21100;
    return { code, message: status === 401 && !message ? "Authenticate" : text, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
  }
  if (provider === "klaviyo") {
    const code = status === 401 ? "not_authenticated" : status === 403 ? "permission_denied" : status === 429 ? "throttled" : status >= 500 ? "error" : "invalid";
    const title = status === 401 ? "Authentication credentials were not provided." : status === 429 ? "Request was throttled." : status >= 500 ? "A server error occurred." : "Invalid input.";
    const detailText = message ? text : status === 401 ? "Missing or invalid private key." : status === 429 ? "Request was throttled. Expected available in 1 second." : text;
    return { errors: [{ id: randomUUID(), status, code, title, detail: detailText, source: { pointer: typeof detail === "string" ? detail : "/data/" }, links: {}, meta: {} }] };
  }
  if (provider === "postscript") {
    const type = status === 401 ? "unauthorized" : status === 429 ? "rate_limited" : status >= 500 ? "server_error" : (detail ?? "bad_request");
    return { errors: [{ msg: status === 401 && !message ? "Invalid API key" : text, type, ctx: {}, log: [] }] };
  }
  if (status === 401) return { type: "authentication_error", code: "invalid_api_key", detail: "Project API key invalid. You can find your project API key in PostHog project settings.", attr: null };
  if (status === 429) return { type: "rate_limited", code: "rate_limited", detail: message ?? "Rate limit exceeded", attr: null };
  return { type: status >= 500 ? "server_error" : "validation_error", code: status >= 500 ? "server_error" : "invalid_payload", detail: text, attr: detail ?? null };
}

/** The provider's permanent refusal of one recipient, as it words it. */
function recipientRefusal(provider, recipient) {
  if (provider === "sendgrid") return { status: 400, body: errorBody("sendgrid", 400, "Does not contain a valid address.", "personalizations.0.to.0.email") };
  if (provider === "twilio") return { status: 400, body: errorBody("twilio", 400, `Invalid 'To' Phone Number: ${recipient}`, 21211) };
  if (provider === "postscript") return { status: 400, body: errorBody("postscript", 400, "Subscriber not found", "subscriber_not_found") };
  const field = recipient.includes("@") ? "email" : "phone_number";
  const message = field === "email" ? "Invalid email address" : "Invalid phone number format (Example of a valid format: +12345678901)";
  return { status: 400, body: errorBody("klaviyo", 400, message, `/data/attributes/profile/data/attributes/${field}`) };
}

function sameSecret(given, expected) {
  const a = Buffer.from(String(given ?? ""));
  const b = Buffer.from(String(expected));
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(text, contentType = "") {
  if (contentType.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// posthog-js in a shop's page posts from another origin.
const CORS = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type, authorization", "access-control-allow-methods": "GET, POST, OPTIONS" };

function preflight(res) {
  res.writeHead(204, { ...CORS, "access-control-max-age": "600" }).end();
}

function send(res, status, body, headers = {}) {
  if (body === null) return res.writeHead(status, { ...CORS, ...headers }).end();
  res.writeHead(status, { "content-type": "application/json", ...CORS, ...headers }).end(JSON.stringify(body));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const standins = await startProviderStandins({ port: Number(process.argv[2] ?? process.env.PROVIDER_STANDINS_PORT ?? 8789) });
  console.log(`Provider stand-ins on ${standins.url}`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => standins.close());
}
