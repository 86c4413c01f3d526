// The shopper's language: their own choice from the panel's menu first (kept in localStorage, so
// it follows them from page to page), else the page's (`<html lang>`, `Shopify.locale`: settings.ts),
// else none, and the server picks from Accept-Language. The shop's list decides what is offered.
const KEY = "loyalnest:language";

/** Storage can be off or full (private modes, sandboxed frames): the choice then lasts the page. */
export function storedLanguage(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeLanguage(language: string): void {
  try {
    localStorage.setItem(KEY, language);
  } catch {
    // Not kept: the menu still switches this page.
  }
}
