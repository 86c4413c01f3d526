// The admin console's files from the Worker's static assets (workers/admin/console-site.ts),
// behind the same Cloudflare Access check as /admin: without a valid token of an active admin no
// page or script is served; with one, every screen's path answers the console's index.html with
// headers that forbid framing and caching. The assets here are test/fixtures/console-assets
// (vitest.config.ts), so the Worker's part is tested without a dashboard build.
import { beforeAll, describe, expect, it } from "vitest";
import type { AdminUser } from "../../d1/admin-users";
import { call, json } from "../helpers/app";
import { accessToken, makeAdmin } from "../helpers/access";

let admin: AdminUser;

beforeAll(async () => {
  admin = await makeAdmin("analytics", "console-site");
});

async function get(path: string, token?: string, headers: Record<string, string> = {}): Promise<Response> {
  return call(new Request(`https://loyalnest.test${path}`, { redirect: "manual", headers: { ...headers, ...(token ? { "cf-access-jwt-assertion": token } : {}) } }));
}

describe("GET /console/... without Access", () => {
  it.each(["/console", "/console/", "/console/index.html", "/console/merchants/shop.myshopify.com", "/console/console.js"])(
    "%s without a token is 401 JSON, never the page",
    async (path) => {
      const response = await get(path);
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toContain("application/json");
      const body = await response.text();
      expect(body).not.toContain("<html");
      expect(JSON.parse(body).error.code).toBe("missing_access_token");
    },
  );

  it("an expired token, or a valid one of an email that is no admin, opens nothing either", async () => {
    const expired = await get("/console/", await accessToken(admin.email, { ttl_seconds: 0, exp_offset_seconds: -600 }));
    expect(expired.status).toBe(401);
    expect((await json(expired)).error.code).toBe("token_expired");
    const stranger = await get("/console/", await accessToken("stranger@example.com"));
    expect(stranger.status).toBe(403);
    expect((await json(stranger)).error.code).toBe("not_an_admin");
  });
});

describe("GET /console/... as an admin", () => {
  it("the index and every screen's deep link answer index.html, unframeable and never cached", async () => {
    const token = await accessToken(admin.email);
    for (const path of ["/console/", "/console/index.html", "/console/merchants", "/console/merchants/shop.myshopify.com", "/console/logs?type=audit"]) {
      const response = await get(path, token, { "if-none-match": '"anything"' });
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toContain("text/html");
      expect(await response.text(), path).toContain("console fixture index");
      expect(response.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
      expect(response.headers.get("cache-control"), path).toBe("no-store");
      expect(response.headers.get("etag"), path).toBeNull();
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
  });

  it("/console redirects to /console/ (relative paths of the page need the slash)", async () => {
    const response = await get("/console?locale=fr", await accessToken(admin.email));
    expect(response.status).toBe(308);
    expect(response.headers.get("location")).toMatch(/\/console\/\?locale=fr$/);
  });

  it("a script is served as itself, private and revalidated; a missing file with an extension is 404, not the page", async () => {
    const token = await accessToken(admin.email);
    const script = await get("/console/console.js", token);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(await script.text()).toContain("the console fixture script");
    expect(script.headers.get("cache-control")).toBe("private, no-cache");
    const etag = script.headers.get("etag");
    expect(etag).toBeTruthy();
    expect((await get("/console/console.js", token, { "if-none-match": etag! })).status).toBe(304);

    const missing = await get("/console/old-build.js", token);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain("<html");
  });

  it("nothing outside /console/ is served from the assets (the Worker's own 404 answers)", async () => {
    const token = await accessToken(admin.email);
    for (const path of ["/index.html", "/.assetsignore", "/console.js"]) {
      const response = await get(path, token);
      expect(response.status, path).toBe(404);
      expect((await json(response)).error.code, path).toBe("not_found");
    }
  });
});
