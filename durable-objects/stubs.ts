import { customerAccountName } from "./customer-account";

export function customerAccount(env: Pick<Env, "CUSTOMER_ACCOUNT">, shop: string, customerId: string) {
  return env.CUSTOMER_ACCOUNT.get(env.CUSTOMER_ACCOUNT.idFromName(customerAccountName(shop, customerId)));
}

export function shopCoordinator(env: Pick<Env, "SHOP_COORDINATOR">, shop: string) {
  return env.SHOP_COORDINATOR.get(env.SHOP_COORDINATOR.idFromName(shop));
}
