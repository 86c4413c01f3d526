// Client-side routes inside the embedded app. Shopify admin mirrors the app's path in its own URL
// (App Bridge watches history), so a reload or a nav-menu link lands on the same screen.
import { signal } from "@preact/signals";
import { createElement, type ComponentChildren } from "preact";

export interface Route {
  path: string;
  query: URLSearchParams;
}

const read = (): Route => ({ path: location.pathname.replace(/\/+$/, "") || "/", query: new URLSearchParams(location.search) });

export const route = signal<Route>(read());

/** Leaving guards (unsaved changes): a guard returning false keeps the merchant where they are. */
const guards = new Set<() => boolean>();
export function addLeaveGuard(guard: () => boolean): () => void {
  guards.add(guard);
  return () => guards.delete(guard);
}
const mayLeave = () => [...guards].every((guard) => guard());

/** Goes to `path` (with its query), keeping the admin's `shop`/`host` parameters. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (!mayLeave()) return;
  const target = new URL(path, location.origin);
  const current = new URLSearchParams(location.search);
  for (const keep of ["shop", "host", "embedded"]) {
    const value = current.get(keep);
    if (value && !target.searchParams.has(keep)) target.searchParams.set(keep, value);
  }
  history[options.replace ? "replaceState" : "pushState"](null, "", target.pathname + target.search);
  route.value = read();
}

/** Sets query parameters of the current screen (filters, page) without leaving it. */
export function setQuery(values: Record<string, string | number | null | undefined>): void {
  const query = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === "") query.delete(key);
    else query.set(key, String(value));
  }
  history.replaceState(null, "", `${location.pathname}?${query}`);
  route.value = read();
}

addEventListener("popstate", () => {
  route.value = read();
});

// The admin's side nav: App Bridge fires `shopify:navigate` on the <ui-nav-menu> link. Taking it
// here (rather than App Bridge moving the history itself) puts it through the leave guards.
document.addEventListener("shopify:navigate", (event) => {
  const href = (event as CustomEvent<{ href?: string }>).detail?.href ?? (event.target as HTMLAnchorElement | null)?.getAttribute?.("href");
  if (!href) return;
  event.preventDefault();
  navigate(href);
});

export function Link({ to, children, class: className }: { to: string; children: ComponentChildren; class?: string }) {
  return createElement(
    "a",
    {
      href: to,
      class: className ?? "Polaris-Link",
      onClick: (event: MouseEvent) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(to);
      },
    },
    children,
  );
}
