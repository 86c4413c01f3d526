// The dev admin page's side of App Bridge (scripts/admin-frame/app-bridge.js is the app's side):
// it draws what the app asks for (side nav under the app, title bar, save bar, toasts), mints
// session tokens through its own server, and mirrors the app's path in its own URL, as
// admin.shopify.com/store/<store>/apps/<app>/<path> does. Messages come from the app's origin only.
const config = JSON.parse(document.getElementById("admin-config").textContent);
const frame = document.getElementById("app-frame");
const saveBarElement = document.getElementById("save-bar");
const toasts = document.getElementById("toasts");

const send = (message) => frame.contentWindow?.postMessage({ source: "loyalnest-admin", ...message }, config.appOrigin);

// --- Session tokens ---------------------------------------------------------------------------
async function sessionToken() {
  const res = await fetch(`/admin/session-token?shop=${encodeURIComponent(config.shop)}&user=${encodeURIComponent(config.user)}`, { method: "POST" });
  const body = await res.json().catch(() => null);
  if (!res.ok || !body?.token) throw new Error(body?.error ?? `session token: HTTP ${res.status}`);
  return body.token;
}

// --- Toasts -----------------------------------------------------------------------------------
const toastTimers = new Map();
function showToast({ id, message, isError, duration }) {
  const item = document.createElement("div");
  item.className = isError ? "Toast Toast--error" : "Toast";
  item.dataset.id = id;
  const text = document.createElement("span");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "Toast-Close";
  close.setAttribute("aria-label", "Dismiss notification");
  close.textContent = "×";
  close.addEventListener("click", () => hideToast(id));
  item.append(text, close);
  toasts.appendChild(item);
  toastTimers.set(id, setTimeout(() => hideToast(id), Math.max(duration, 1000)));
}
function hideToast(id) {
  clearTimeout(toastTimers.get(id));
  toastTimers.delete(id);
  toasts.querySelector(`[data-id="${CSS.escape(id)}"]`)?.remove();
}

// --- Save bar: one at a time, the latest shown ------------------------------------------------
const shownBars = new Map();
function renderSaveBar() {
  const [id, state] = [...shownBars].at(-1) ?? [];
  saveBarElement.hidden = !id;
  document.body.classList.toggle("has-save-bar", Boolean(id));
  if (!id) return;
  saveBarElement.dataset.id = id;
  for (const action of ["save", "discard"]) {
    const button = saveBarElement.querySelector(`[data-action="${action}"]`);
    const wanted = state[action];
    button.hidden = !wanted;
    if (!wanted) continue;
    button.textContent = wanted.label || (action === "save" ? "Save" : "Discard");
    button.disabled = wanted.disabled || wanted.loading;
    button.setAttribute("aria-busy", String(wanted.loading));
    button.classList.toggle("is-loading", wanted.loading);
  }
}
saveBarElement.addEventListener("click", (event) => {
  const action = event.target.closest("[data-action]")?.dataset.action;
  if (action && saveBarElement.dataset.id) send({ type: "saveBarAction", id: saveBarElement.dataset.id, action });
});
function shakeSaveBar() {
  saveBarElement.classList.remove("is-shaking");
  void saveBarElement.offsetWidth;
  saveBarElement.classList.add("is-shaking");
}

// --- Title bar and side nav -------------------------------------------------------------------
function renderTitleBar(titleBar) {
  const title = titleBar?.title ?? "";
  document.getElementById("page-title").textContent = title;
  document.getElementById("title-separator").hidden = !title;
  document.title = `${title ? `${title} · ` : ""}LoyalNest · ${config.storeName} · Shopify (dev admin)`;
  const actions = document.getElementById("title-actions");
  actions.replaceChildren(
    ...(titleBar?.buttons ?? []).map((button, index) => {
      const element = document.createElement("button");
      element.type = "button";
      element.className = button.variant === "primary" ? "Button Button--primary" : "Button";
      element.textContent = button.label;
      element.disabled = button.disabled || button.loading;
      element.addEventListener("click", () => send({ type: "titleBarAction", index }));
      return element;
    }),
  );
}

let currentPath = "/";
function renderNav(items) {
  const list = document.getElementById("app-nav");
  list.replaceChildren(
    ...items
      .filter((item) => !item.home)
      .map((item) => {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.className = "Nav-Item Nav-SubItem";
        a.href = `${config.appPath}${item.href === "/" ? "" : item.href}`;
        a.dataset.href = item.href;
        a.textContent = item.label;
        li.appendChild(a);
        return li;
      }),
  );
  const home = items.find((item) => item.home);
  const homeLink = document.getElementById("app-home-link");
  homeLink.dataset.href = home?.href ?? "/";
  markCurrent();
}
function markCurrent() {
  for (const link of document.querySelectorAll(".Nav [data-href]")) {
    const href = link.dataset.href;
    const current = href === "/" ? currentPath === "/" : currentPath === href || currentPath.startsWith(`${href}/`);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}
document.querySelector(".Nav").addEventListener("click", (event) => {
  const link = event.target.closest("a[data-href]");
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  // Shopify admin does not leave a page with unsaved changes: the save bar shakes instead.
  if (shownBars.size > 0) return shakeSaveBar();
  send({ type: "navigate", href: link.dataset.href });
});

/**
 * The admin's own URL follows the app's path and query (`/customers?search=ada`), so a reload
 * opens the same screen with the same filters. The dev admin's own parameters (ADMIN_PARAMS:
 * which staff user, which admin language) stay on it; real Shopify admin has none.
 */
function followPath(path) {
  const app = new URL(path || "/", location.origin);
  currentPath = app.pathname;
  const query = new URLSearchParams(app.search);
  const own = new URLSearchParams(location.search);
  for (const name of config.adminParams) {
    if (own.has(name)) query.set(name, own.get(name));
  }
  const adminUrl = `${config.appPath}${currentPath === "/" ? "" : currentPath}${query.size ? `?${query}` : ""}`;
  if (location.pathname + location.search !== adminUrl) history.replaceState(null, "", adminUrl);
  markCurrent();
}

// --- Messages from the app ---------------------------------------------------------------------
addEventListener("message", async (event) => {
  if (event.origin !== config.appOrigin || event.source !== frame.contentWindow) return;
  const message = event.data;
  if (!message || message.source !== "loyalnest-app-bridge") return;
  switch (message.type) {
    case "ready":
      // A new document in the frame (a reload): nothing of the previous one's chrome stays.
      shownBars.clear();
      renderSaveBar();
      send({ type: "hello" });
      break;
    case "idToken":
      try {
        send({ type: "answer", requestId: message.requestId, value: await sessionToken() });
      } catch (error) {
        send({ type: "answer", requestId: message.requestId, error: String(error.message ?? error) });
      }
      break;
    case "toast":
      showToast(message);
      break;
    case "toastHide":
      hideToast(message.id);
      break;
    case "saveBar":
      if (message.visible) shownBars.set(message.id, message);
      else shownBars.delete(message.id);
      renderSaveBar();
      break;
    case "saveBarShake":
      shakeSaveBar();
      break;
    case "chrome":
      renderTitleBar(message.titleBar);
      renderNav(message.navMenu);
      followPath(message.path);
      break;
  }
});
