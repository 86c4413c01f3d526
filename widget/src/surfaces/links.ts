// Shopify's customer account pages, as the theme app embed gives them (`data-login-url`,
// `data-register-url`: Liquid's routes, which follow the shop's locale and its choice of classic
// or new customer accounts); the classic paths when the page has no embed to ask.
export interface AccountLinks {
  login: string;
  register: string;
}

export function accountLinks(root: ParentNode = document): AccountLinks {
  const login = root.querySelector("[data-login-url]")?.getAttribute("data-login-url");
  const register = root.querySelector("[data-register-url]")?.getAttribute("data-register-url");
  return { login: login || "/account/login", register: register || "/account/register" };
}
