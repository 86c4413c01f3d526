// The dev admin frame's stand-in for App Bridge v4 (https://cdn.shopify.com/shopifycloud/app-bridge.js),
// served in its place inside the app's iframe by scripts/admin-frame.mjs. It gives the app the same
// `window.shopify` and custom elements the real one does, for the part of the API LoyalNest uses:
//   shopify.idToken()                         → a session token, minted by the admin (the parent page)
//   shopify.toast.show(message, { isError, duration }) / toast.hide(id)
//   shopify.saveBar.show(id) / hide(id) / toggle(id) / leaveConfirmation()
//                                             for <ui-save-bar id> holding <button variant="primary">
//                                             (Save) and <button> (Discard): the admin's bar clicks them
//   <ui-title-bar title>                      the admin's title bar (its <button>s shown there too)
//   <ui-nav-menu>                             <a href rel="home"> links in the admin's side nav
//   shopify.config { apiKey, shop, host, locale }, shopify.environment { embedded, mobile, pos }
// Like the real one it only talks to the admin by postMessage, to and from one origin (the
// frame server fills ADMIN_ORIGIN in), and it reports the app's path so the admin's URL follows
// it. Anything else the real App Bridge has is missing here on purpose: a call to it fails loudly.
(() => {
  const ADMIN_ORIGIN = "%ADMIN_ORIGIN%";
  const SOURCE = "loyalnest-app-bridge";
  const embedded = window.top !== window;
  const params = new URLSearchParams(location.search);
  const apiKey = document.querySelector('meta[name="shopify-api-key"]')?.getAttribute("content") ?? "";

  // App Bridge's elements render nothing in the app: the admin draws them.
  const style = document.createElement("style");
  style.textContent = "ui-save-bar, ui-title-bar, ui-nav-menu { display: none !important; }";
  document.head.appendChild(style);

  const post = (message) => {
    if (embedded) window.parent.postMessage({ source: SOURCE, ...message }, ADMIN_ORIGIN);
  };

  // --- Requests answered by the admin (session tokens) -------------------------------------
  let nextRequest = 0;
  const pending = new Map();
  function ask(type, payload = {}) {
    if (!embedded) return Promise.reject(new Error("App Bridge: the app is not inside Shopify admin"));
    const requestId = ++nextRequest;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(requestId);
        reject(new Error(`App Bridge: the admin did not answer ${type} within 10 s`));
      }, 10_000);
      pending.set(requestId, { resolve, reject, timer });
      post({ type, requestId, ...payload });
    });
  }

  // --- Save bars ------------------------------------------------------------------------------
  const shownSaveBars = new Set();
  function saveBarElement(id) {
    const element = document.getElementById(id);
    if (!element || element.localName !== "ui-save-bar") throw new Error(`App Bridge: no <ui-save-bar id="${id}">`);
    return element;
  }
  const buttonState = (button) =>
    button ? { label: button.textContent.trim(), loading: button.hasAttribute("loading"), disabled: button.hasAttribute("disabled") } : null;
  function saveBarButtons(element) {
    const buttons = [...element.querySelectorAll("button")];
    return { save: buttons.find((b) => b.getAttribute("variant") === "primary") ?? null, discard: buttons.find((b) => b.getAttribute("variant") !== "primary") ?? null };
  }
  function reportSaveBar(id) {
    const element = document.getElementById(id);
    if (!element || !shownSaveBars.has(id)) return post({ type: "saveBar", id, visible: false });
    const { save, discard } = saveBarButtons(element);
    post({ type: "saveBar", id, visible: true, save: buttonState(save), discard: buttonState(discard) });
  }
  const saveBar = {
    async show(id) {
      saveBarElement(id);
      shownSaveBars.add(id);
      reportSaveBar(id);
    },
    async hide(id) {
      shownSaveBars.delete(id);
      post({ type: "saveBar", id, visible: false });
    },
    async toggle(id) {
      return shownSaveBars.has(id) ? saveBar.hide(id) : saveBar.show(id);
    },
    /** Resolves when leaving is fine; with a save bar showing the admin refuses instead (it shakes the bar). */
    async leaveConfirmation() {
      if (shownSaveBars.size > 0) {
        post({ type: "saveBarShake" });
        throw new Error("App Bridge: unsaved changes");
      }
    },
  };

  // --- Toasts ---------------------------------------------------------------------------------
  let nextToast = 0;
  const toast = {
    show(message, options = {}) {
      if (typeof message !== "string" || message === "") throw new Error("App Bridge: toast.show needs a message");
      const id = `toast-${++nextToast}`;
      post({ type: "toast", id, message, isError: Boolean(options.isError), duration: Number(options.duration ?? 5000) });
      return id;
    },
    hide(id) {
      post({ type: "toastHide", id });
    },
  };

  // --- Title bar, nav menu, the app's path: reported whenever the DOM or history changes ---------
  function titleBar() {
    const bar = document.querySelector("ui-title-bar");
    if (!bar) return null;
    const buttons = [...bar.querySelectorAll("button")].map((button) => ({ ...buttonState(button), variant: button.getAttribute("variant") ?? "secondary" }));
    return { title: bar.getAttribute("title") ?? "", buttons };
  }
  function navMenu() {
    const menu = document.querySelector("ui-nav-menu");
    if (!menu) return [];
    return [...menu.querySelectorAll("a")].map((a) => ({ href: a.getAttribute("href") ?? "/", label: a.textContent.trim(), home: a.getAttribute("rel") === "home" }));
  }
  // Shopify's own parameters on the app's URL: the admin's URL carries only the app's (its filters, search, page).
  const SHOPIFY_PARAMS = ["embedded", "host", "hmac", "id_token", "locale", "session", "shop", "timestamp"];
  function appPathAndQuery() {
    const query = new URLSearchParams(location.search);
    for (const name of SHOPIFY_PARAMS) query.delete(name);
    return location.pathname + (query.size ? `?${query}` : "");
  }
  let lastChrome = "";
  function reportChrome() {
    const chrome = JSON.stringify({ titleBar: titleBar(), navMenu: navMenu(), path: appPathAndQuery() });
    if (chrome !== lastChrome) {
      lastChrome = chrome;
      post({ type: "chrome", ...JSON.parse(chrome) });
    }
    for (const id of shownSaveBars) reportSaveBar(id);
  }
  let scheduled = false;
  const scheduleReport = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      reportChrome();
    });
  };
  new MutationObserver(scheduleReport).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
  for (const method of ["pushState", "replaceState"]) {
    const original = history[method];
    history[method] = function (...args) {
      const result = original.apply(this, args);
      scheduleReport();
      return result;
    };
  }
  addEventListener("popstate", scheduleReport);

  /** The admin's side nav was clicked: App Bridge v4 fires `shopify:navigate` on the link; the app routes. */
  function navigateTo(href) {
    const link = [...(document.querySelector("ui-nav-menu")?.querySelectorAll("a") ?? [])].find((a) => a.getAttribute("href") === href);
    const event = new CustomEvent("shopify:navigate", { bubbles: true, cancelable: true, detail: { href } });
    (link ?? document).dispatchEvent(event);
    if (event.defaultPrevented) return;
    // No router took it: move the history as a client-side router would and tell it by popstate.
    const target = new URL(href, location.origin);
    for (const keep of ["shop", "host", "embedded", "locale"]) {
      if (params.has(keep) && !target.searchParams.has(keep)) target.searchParams.set(keep, params.get(keep));
    }
    if (target.pathname + target.search !== location.pathname + location.search) {
      history.pushState(null, "", target.pathname + target.search);
      dispatchEvent(new PopStateEvent("popstate"));
    }
  }

  // --- Messages from the admin ---------------------------------------------------------------
  addEventListener("message", (event) => {
    if (event.origin !== ADMIN_ORIGIN || event.source !== window.parent) return;
    const message = event.data;
    if (!message || message.source !== "loyalnest-admin") return;
    if (message.type === "answer") {
      const waiting = pending.get(message.requestId);
      if (!waiting) return;
      pending.delete(message.requestId);
      clearTimeout(waiting.timer);
      if (message.error) waiting.reject(new Error(message.error));
      else waiting.resolve(message.value);
    } else if (message.type === "saveBarAction") {
      // The admin's Save or Discard: click the app's own button, as App Bridge does.
      const element = document.getElementById(message.id);
      if (!element || !shownSaveBars.has(message.id)) return;
      const button = saveBarButtons(element)[message.action];
      if (button && !button.hasAttribute("disabled") && !button.hasAttribute("loading")) button.click();
    } else if (message.type === "titleBarAction") {
      const button = document.querySelector("ui-title-bar")?.querySelectorAll("button")[message.index];
      if (button && !button.hasAttribute("disabled")) button.click();
    } else if (message.type === "navigate") {
      navigateTo(message.href);
    } else if (message.type === "hello") {
      lastChrome = "";
      reportChrome();
    }
  });

  // A save bar removed from the DOM while shown disappears from the admin too.
  new MutationObserver(() => {
    for (const id of [...shownSaveBars]) {
      if (!document.getElementById(id)) {
        shownSaveBars.delete(id);
        post({ type: "saveBar", id, visible: false });
      }
    }
  }).observe(document.documentElement, { subtree: true, childList: true });

  const shopify = {
    config: { apiKey, shop: params.get("shop") ?? "", host: params.get("host") ?? "", locale: params.get("locale") ?? navigator.language },
    environment: { embedded, mobile: false, pos: false },
    idToken: () => ask("idToken"),
    toast,
    saveBar,
  };
  Object.defineProperty(window, "shopify", { value: Object.freeze(shopify), configurable: false, writable: false });
  if (document.readyState === "loading") addEventListener("DOMContentLoaded", () => reportChrome());
  post({ type: "ready" });
})();
