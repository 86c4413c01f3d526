// Referral capture, in widget.js on every storefront page (kept small: it runs before the panel
// ever loads). A friend arrives through `?ref=<code>`; the code is kept in localStorage (the
// first code wins for 30 days), put on the cart as a hidden attribute (read from orders/paid)
// and into the theme's register form as a customer note (read from customers/create). A
// signed-in shopper with a kept code sends it to /referrals/complete; the server decides.
const REF_KEY = "loyalnest_ref";
const DEVICE_KEY = "loyalnest_device";
/** This session already put the code on the cart (a cart made after a checkout has none). */
const CART_KEY = "loyalnest_ref_cart";
const KEEP_MS = 30 * 24 * 3600 * 1000;
export const CART_ATTRIBUTE = "_loyalnest_referral";
export const NOTE_FIELD = "customer[note][loyalnest_referral]";

interface Kept {
  code: string;
  at: number;
}

declare global {
  interface Window {
    /** Shopify's analytics globals: the signed-in customer's id, absent for a guest. */
    ShopifyAnalytics?: { meta?: { page?: { customerId?: number | string } } };
    __st?: { cid?: number | string };
  }
}

/** The code alphabet of core/referrals.ts (no 0/O/1/I/L), 8 characters, as typed or pasted. */
function codeOf(input: string | null): string | null {
  const code = (input ?? "").toUpperCase().replace(/[\s-]/g, "");
  return /^[A-HJKMNP-Z2-9]{8}$/.test(code) ? code : null;
}

/** localStorage may be refused (private modes, blocked storage): capture then does what it can. */
function storage(kind: "localStorage" | "sessionStorage"): Storage | null {
  try {
    return window[kind];
  } catch {
    return null;
  }
}

function readKept(local: Storage | null, now: number): Kept | null {
  try {
    const kept = JSON.parse(local?.getItem(REF_KEY) ?? "null") as Kept | null;
    return kept && codeOf(kept.code) && now - kept.at < KEEP_MS ? kept : null;
  } catch {
    return null;
  }
}

/** Whether the theme tells of a signed-in shopper: a hint only (the App Proxy signature is the truth). */
export function signedIn(script: Element | null): boolean {
  return Boolean(script?.getAttribute("data-customer-id") || window.ShopifyAnalytics?.meta?.page?.customerId || window.__st?.cid);
}

export function captureReferral(base: string, script: Element | null, now = Date.now()): void {
  const local = storage("localStorage");
  let kept = readKept(local, now);
  const arrived = codeOf(new URLSearchParams(location.search).get("ref"));
  if (arrived && !kept) {
    kept = { code: arrived, at: now };
    try {
      local?.setItem(REF_KEY, JSON.stringify(kept));
    } catch {
      // Storage full or refused: the cart and the form still carry the code for this visit.
    }
  }
  if (!kept) return;
  const { code } = kept;

  const session = storage("sessionStorage");
  if (session?.getItem(CART_KEY) !== code) {
    fetch("/cart/update.js", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ attributes: { [CART_ATTRIBUTE]: code } }),
    })
      .then((response) => response.ok && session?.setItem(CART_KEY, code))
      .catch(() => {});
  }

  for (const type of document.querySelectorAll<HTMLInputElement>('form input[name="form_type"][value="create_customer"]')) {
    const form = type.form;
    if (!form || form.querySelector(`input[name="${NOTE_FIELD}"]`)) continue;
    const note = document.createElement("input");
    note.type = "hidden";
    note.name = NOTE_FIELD;
    note.value = code;
    form.appendChild(note);
  }

  if (signedIn(script)) void complete(base, code, local);
}

/** This browser's random id for the device velocity check; none when storage or randomUUID is refused. */
function deviceId(local: Storage | null): string | undefined {
  try {
    let device = local?.getItem(DEVICE_KEY);
    if (!device) {
      device = crypto.randomUUID();
      local?.setItem(DEVICE_KEY, device);
    }
    return device;
  } catch {
    return undefined;
  }
}

/** Forgets the code once the server has answered for it; keeps it through failures worth retrying. */
async function complete(base: string, code: string, local: Storage | null): Promise<void> {
  let status: number;
  try {
    const response = await fetch(`${base}/referrals/complete`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ code, device_id: deviceId(local) }),
    });
    status = response.status;
  } catch {
    return;
  }
  // 5xx and 429 pass; 401 means the theme's hint was wrong (not signed in after all): the code
  // waits for the signup it should bind at. Any other answer (done, unknown, own code, already
  // referred) is final.
  if (status >= 500 || status === 429 || status === 401) return;
  try {
    local?.removeItem(REF_KEY);
  } catch {
    // Refused storage: nothing was kept there either.
  }
}
